// Private to api/: the steps of reading one HTTP request that Server (server.cc, from a socket)
// and ParseRequest (http_message.cc, from bytes in memory) share, so that the fuzzed parse is
// the served one. Beast types stay inside api/.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"
#include "core/random.h"
#include "core/result.h"

namespace candor::api {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// `text` with ASCII letters lower-cased.
std::string LowerAscii(std::string_view text);

// A fresh request id: 32 lower-case hex digits from `random`.
std::string GenerateRequestId(Random& random);

// Fills request's id (the client's X-Request-Id when acceptable, else a generated one), method,
// target, path, query and headers (lower-cased names; repeated fields joined with ", ") from a
// parsed header. The body is left alone.
void DescribeRequest(const BeastRequest& header, Random& random, HttpRequest* request);

// kHeadersTooLarge when the header has more fields than options.headers_count_max.
std::optional<Error> CheckHeaderCount(const BeastRequest& header, const ServerOptions& options);

// The problem to answer for a failed read: kHeadersTooLarge, kPayloadTooLarge, or
// kInvalidArgument for bytes that are not HTTP/1.1. nullopt for a closed, reset or timed-out
// connection, which closes without an answer.
std::optional<Error> ReadFailure(const boost::system::error_code& ec, const ServerOptions& options);

}  // namespace candor::api
