// The HTTP front door of Candor: an HTTP/1.1 server, a router, problem+json errors and the
// built-in health and metrics routes.
//
// What it offers: Server, which listens on one address with one event loop per core (each with
// its own SO_REUSEPORT acceptor), keeps connections alive, enforces every limit of
// core/limits.h (header and body bytes, header count, read and idle timeouts, connections) and
// shuts down gracefully; Router, which maps (method, "/v1/members/{id}") to a Handler; Problem,
// which renders an Error as RFC 9457 application/problem+json from core/error_code.h's table;
// Metrics, a small Prometheus registry that other modules' collectors join; RegisterHealth for
// /healthz, /readyz and /metrics; ParseRequest, the server's parse of one request from bytes in
// memory (for the fuzzer).
//
// What it never does: business logic (handlers call the ledger), TLS, authentication (app/
// wraps each route, docs/api.md), or let an Asio or Beast type out of this header. Every
// response carries X-Request-Id and, by default, Cache-Control: no-store. A 5xx problem never
// shows its internal message: that goes to the log under the request id.
//
// Thread-safety: a Router is filled before the Server starts and is then read-only. Handlers
// run on the server's threads, several at once. A Responder may be called from any thread.
// Metrics is thread-safe. Server's Start, Stop and Wait are called from one controlling thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/histogram.h"
#include "core/limits.h"
#include "core/random.h"
#include "core/result.h"

namespace candor::api {

struct ServerOptions {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal
    std::uint16_t port = 8080;       // 0 picks a free port; see Server::port()
    std::size_t threads = 0;         // event loops; 0 = one per hardware thread
    std::size_t header_bytes_max = limits::kHttpHeaderBytesMax;
    std::size_t body_bytes_max = limits::kHttpBodyBytesMax;
    std::size_t headers_count_max = limits::kHttpHeadersCountMax;
    Duration read_timeout = std::chrono::milliseconds(limits::kHttpReadTimeoutMs);
    Duration idle_timeout = std::chrono::milliseconds(limits::kHttpIdleTimeoutMs);
    Duration drain_timeout = std::chrono::milliseconds(limits::kHttpDrainTimeoutMs);
    std::size_t connections_max = limits::kHttpConnectionsMax;
    // HTTPS (TLS 1.2 or newer) when both are set: PEM files of the certificate chain and its
    // private key, loaded by Start. Empty: plain HTTP.
    std::string tls_cert_file;
    std::string tls_key_file;
};

// A parsed request, independent of the transport.
struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as sent: path and query
    std::string path;    // target before '?'
    std::string query;   // target after '?', without it; empty if none
    std::map<std::string, std::string, std::less<>> headers;  // lower-cased names
    std::string body;
    std::string request_id;  // the client's X-Request-Id if acceptable, else a generated one
    std::string route;       // the matched pattern ("/v1/members/{id}"); empty if none matched
    std::map<std::string, std::string, std::less<>> params;  // path parameters by name
    bool is_tls = false;         // the request came over TLS (cookies may then be Secure)
    std::string remote_address;  // the peer's IP address ("127.0.0.1", "::1"); "" when unknown

    // The header's value, or "" when absent. `name` is lower-case.
    std::string_view Header(std::string_view name) const;

    // The path parameter's value, or "" when the route has none by that name.
    std::string_view Param(std::string_view name) const;
};

// Parses `bytes` as one HTTP/1.1 request exactly as Server reads one from a connection (the same
// parser, the limits of `options`, the same HttpRequest: lower-cased header names, repeated
// fields joined with ", ", path and query split, the client's request id or one made with
// `random`). Bytes after the request are ignored; route and params stay empty until
// Router::Dispatch. Errors are the refusals the server answers: kHeadersTooLarge,
// kPayloadTooLarge, kInvalidArgument for bytes that are not HTTP/1.1, and kInvalidArgument when
// the bytes end before the request does (where the server would wait for more). For fuzzing and
// tests: the server itself parses from its stream.
Result<HttpRequest> ParseRequest(std::string_view bytes,
                                 const ServerOptions& options,
                                 Random& random);

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type defaults to JSON
    std::string body;

    // A response with `body` as application/json.
    static HttpResponse Json(int status, std::string body);

    // The first value of header `name` (compared case-insensitively), or "" when absent.
    std::string_view Header(std::string_view name) const;
};

// Delivers a handler's response, exactly once, from any thread. Move-only. A Responder
// destroyed without being called answers 500, so a lost callback never hangs a connection.
// REQUIRES: every Responder is called or destroyed before its Server is destroyed.
class Responder {
public:
    using Deliver = std::function<void(HttpResponse)>;

    Responder() = default;
    explicit Responder(Deliver deliver);
    ~Responder();

    Responder(Responder&& other) noexcept;
    Responder& operator=(Responder&& other) noexcept;
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    // Sends the response. REQUIRES: not called before, not moved from.
    void operator()(HttpResponse response);

    // True until called (or moved from).
    bool is_pending() const { return static_cast<bool>(deliver_); }

private:
    Deliver deliver_;
};

// A handler answers through `respond`, now or later from another thread (for example from the
// Committer's callback). `request` stays valid until `respond` is called.
using Handler = std::function<void(const HttpRequest& request, Responder respond)>;

class Router {
public:
    // Routes `method` requests for `pattern` to `handler`. A pattern is a path whose segments
    // are literals or "{name}" parameters, each matching one non-empty segment. Where two
    // patterns match a path, the one whose first differing segment is a literal wins.
    // REQUIRES: pattern starts with '/', parameter names are unique and non-empty, and
    // (method, pattern) was not added before. These are programming errors and assert.
    void Add(std::string_view method, std::string_view pattern, Handler handler);

    // Matches request->path, fills request->route and request->params, and runs the handler;
    // answers a 404 problem for an unknown path and a 405 problem with Allow when the path is
    // known but the method is not. HEAD is not special.
    void Dispatch(HttpRequest* request, Responder respond) const;

    // Every (method, pattern) pair, sorted by pattern then method.
    std::vector<std::pair<std::string, std::string>> Routes() const;

private:
    struct Route {
        std::string pattern;
        std::vector<std::string> segments;                    // "{id}" kept as written
        std::map<std::string, Handler, std::less<>> methods;  // by method
    };

    const Route* Match(std::string_view path,
                       std::map<std::string, std::string, std::less<>>* params) const;

    std::vector<Route> routes_;
};

// RFC 9457 problem+json for `error`: type "https://candor.dev/problems/<slug>", title (the
// code's meaning), status (from the table), detail (error.message, or a generic sentence for a
// 5xx code, whose message is logged instead), instance, request_id (when given) and field
// (the offending field, when given). Retryable codes add Retry-After: 1.
HttpResponse Problem(const Error& error, std::string_view instance, std::string_view field = {});

// As above, with instance = request.path and request_id = request.request_id.
HttpResponse Problem(const Error& error, const HttpRequest& request, std::string_view field = {});

// Token buckets per client, for per-key and per-address request rates. A client's bucket holds
// up to rate_per_minute tokens, starts full, and refills continuously at rate_per_minute tokens a
// minute; a request takes one. Buckets live in limits::kRateShards shards, each with its own
// mutex, so concurrent requests of different clients rarely share a lock and a call does no
// allocation once the client's bucket exists. A shard keeps at most
// limits::kRateBucketsPerShardMax buckets: past that, full (idle) buckets are dropped, and if
// none is full an arbitrary one is, which can only let that client through early. Time comes
// from the Clock, so tests move it by hand. Thread-safe.
class RateLimiter {
public:
    // REQUIRES: `clock` outlives the limiter.
    explicit RateLimiter(const Clock& clock);

    struct Decision {
        bool is_allowed = true;
        std::int64_t retry_after_seconds = 0;  // when refused: seconds until a token is there, >= 1
    };

    // Takes a token from `client`'s bucket ("key:<id>", "ip:<address>"). A bucket whose rate
    // changed (a key re-created with another rate) keeps its tokens, capped at the new rate.
    // REQUIRES: 1 <= rate_per_minute <= limits::kApiKeyRatePerMinuteMax.
    Decision Acquire(std::string_view client, std::int64_t rate_per_minute);

    // Diagnostic: the buckets held now, over all shards.
    std::size_t bucket_count();

private:
    struct Bucket {
        std::int64_t rate_per_minute = 0;
        std::int64_t units = 0;  // tokens × kUnitsPerToken
        std::int64_t updated_us = 0;
    };

    struct Hash {
        using is_transparent = void;

        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };

    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;
    };

    // The bucket's units at `now_us`, refilled since its last update and capped at its rate.
    static std::int64_t UnitsAt(const Bucket& bucket, std::int64_t now_us);
    static void MakeRoom(Shard& shard, std::int64_t now_us);

    const Clock& clock_;
    std::array<Shard, limits::kRateShards> shards_;
};

// Counters, a gauge and a latency histogram in Prometheus text format 0.0.4, and collectors that
// add other modules' series (app/ adds the committer's). Thread-safe.
class Metrics {
public:
    // Appends series, each family with its # HELP and # TYPE lines, to `out`. Thread-safe.
    using Collector = std::function<void(std::string* out)>;

    // Counts one finished request: http_requests_total{route,method,status} and
    // http_request_duration_seconds{route}. `route` is a pattern, never a raw path.
    void ObserveRequest(std::string_view route,
                        std::string_view method,
                        int status,
                        Duration duration);

    void AddOpenConnections(std::int64_t delta);

    std::int64_t open_connections() const { return connections_open_.load(); }

    // Runs `collect` at every Render, after the HTTP series.
    // REQUIRES: called before the server starts (collectors are then read-only).
    void AddCollector(Collector collect);

    // The exposition, as served by GET /metrics.
    std::string Render() const;

private:
    mutable std::mutex mutex_;
    // (route, method, status) -> count.
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram, std::less<>> durations_;
    std::vector<Collector> collectors_;
    std::atomic<std::int64_t> connections_open_{0};
};

// What a histogram's values count: kMicroseconds are rendered as seconds, as Prometheus names
// (`_seconds`) expect; kCount as they are.
enum class MetricUnit : std::uint8_t { kCount, kMicroseconds };

// Appends "# HELP name help" and "# TYPE name type" (counter, gauge or histogram).
void AppendMetricFamily(std::string* out,
                        std::string_view name,
                        std::string_view type,
                        std::string_view help);

// Appends one sample "name{labels} value"; `labels` is rendered already ("a=\"b\"") or empty.
void AppendMetricSample(std::string* out,
                        std::string_view name,
                        std::string_view labels,
                        std::int64_t value);

// Appends a histogram's cumulative _bucket series (with le), _sum and _count. `labels` as above.
void AppendHistogram(std::string* out,
                     std::string_view name,
                     std::string_view labels,
                     const Histogram& histogram,
                     MetricUnit unit);

// Registers GET /healthz (200 while the process answers), GET /readyz (200 when is_ready()
// says so, else a 503 not-ready problem) and GET /metrics (metrics.Render()).
// REQUIRES: `metrics` outlives the router; `is_ready` is thread-safe.
void RegisterHealth(Router& router, const Metrics& metrics, std::function<bool()> is_ready);

class Server {
public:
    // REQUIRES: `router` and `metrics` outlive the Server and the router is complete.
    Server(ServerOptions options, const Router& router, Metrics& metrics);
    ~Server();  // Stop, then Wait

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Loads the TLS certificate and key if set, binds, listens and starts the event loops.
    // kInvalidArgument when a TLS file cannot be loaded or the address cannot be bound (the
    // message says why). REQUIRES: called once.
    Status Start();

    // The bound port (useful after binding port 0); 0 before Start.
    std::uint16_t port() const;

    // Graceful: stops accepting, closes idle keep-alive connections, lets in-flight requests
    // finish (each connection closes after its current response), and after drain_timeout
    // drops what is left. Returns at once; Wait blocks until done. Idempotent.
    void Stop();

    // Blocks until every event loop has finished (after Stop).
    void Wait();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace candor::api
