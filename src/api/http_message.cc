#include "api/http_message.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <iterator>

#include "core/limits.h"

namespace candor::api {

namespace http = boost::beast::http;

namespace {

bool IsAcceptableRequestId(std::string_view id) {
    if (id.empty() || id.size() > limits::kRequestIdBytesMax) {
        return false;
    }
    for (const char c : id) {
        if (c < '!' || c > '~') {
            return false;
        }
    }
    return true;
}

bool IsHttpError(const boost::system::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// Feeds `bytes` to `parser` until it has a whole header (or, with `is_body`, a whole message),
// consuming from the front of `bytes`. http::error::partial_message when the bytes end first.
boost::system::error_code Feed(http::request_parser<http::string_body>& parser,
                               std::string_view& bytes,
                               bool is_body) {
    boost::system::error_code ec;
    while (is_body ? !parser.is_done() : !parser.is_header_done()) {
        const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        bytes.remove_prefix(used);
        if (ec == http::error::need_more || (!ec && used == 0)) {
            return http::error::partial_message;
        }
        if (ec) {
            return ec;
        }
    }
    return ec;
}

}  // namespace

std::string LowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string GenerateRequestId(Random& random) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string id;
    id.reserve(32);
    for (int word = 0; word < 2; ++word) {
        std::uint64_t bits = random.Next();
        for (int i = 0; i < 16; ++i) {
            id.push_back(kHex[bits & 0xFU]);
            bits >>= 4U;
        }
    }
    return id;
}

void DescribeRequest(const BeastRequest& header, Random& random, HttpRequest* request) {
    const auto id = header["X-Request-Id"];
    request->request_id = IsAcceptableRequestId(std::string_view(id.data(), id.size()))
                              ? std::string(id)
                              : GenerateRequestId(random);
    request->method = std::string(header.method_string());
    request->target = std::string(header.target());
    const std::size_t question = request->target.find('?');
    request->path = request->target.substr(0, question);
    if (question != std::string::npos) {
        request->query = request->target.substr(question + 1);
    }
    for (const auto& field : header) {
        std::string& value = request->headers[LowerAscii(field.name_string())];
        value += value.empty() ? std::string(field.value()) : ", " + std::string(field.value());
    }
}

std::optional<Error> CheckHeaderCount(const BeastRequest& header, const ServerOptions& options) {
    if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) <=
        options.headers_count_max) {
        return std::nullopt;
    }
    return MakeError(ErrorCode::kHeadersTooLarge,
                     "A request may carry at most " + std::to_string(options.headers_count_max) +
                         " header fields.");
}

std::optional<Error> ReadFailure(const boost::system::error_code& ec,
                                 const ServerOptions& options) {
    if (ec == http::error::header_limit) {
        return MakeError(ErrorCode::kHeadersTooLarge,
                         "The request line and headers exceed " +
                             std::to_string(options.header_bytes_max) + " bytes.");
    }
    if (ec == http::error::body_limit) {
        return MakeError(ErrorCode::kPayloadTooLarge,
                         "The body exceeds " + std::to_string(options.body_bytes_max) + " bytes.");
    }
    if (IsHttpError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
        return MakeError(ErrorCode::kInvalidArgument, "Malformed HTTP request.");
    }
    return std::nullopt;  // timeouts and resets close without an answer
}

Result<HttpRequest> ParseRequest(std::string_view bytes,
                                 const ServerOptions& options,
                                 Random& random) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_bytes_max));
    parser.body_limit(options.body_bytes_max);
    HttpRequest request;
    boost::system::error_code ec = Feed(parser, bytes, false);
    if (!ec) {
        DescribeRequest(parser.get(), random, &request);
        if (std::optional<Error> refusal = CheckHeaderCount(parser.get(), options)) {
            return *std::move(refusal);
        }
        ec = Feed(parser, bytes, true);
    }
    if (ec) {
        if (std::optional<Error> refusal = ReadFailure(ec, options)) {
            return *std::move(refusal);
        }
        return MakeError(ErrorCode::kInvalidArgument, "The bytes end before the request does.");
    }
    request.body = std::move(parser.get().body());
    return request;
}

}  // namespace candor::api
