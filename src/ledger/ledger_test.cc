// Placeholder: tests land with their suite.
