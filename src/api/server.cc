// The HTTP server: every Asio and Beast type of Candor lives in this file, so that only it pays
// their compile time. One io_context per thread, each with its own SO_REUSEPORT acceptor on
// the same port, so the kernel spreads new connections over the threads; a connection then
// stays on its thread. Each connection is one coroutine: read a request under the limits,
// dispatch it, wait for the Responder's answer (posted back from any thread), write, repeat.
//
// Debian's Boost 1.74: <utility> must precede the Asio coroutine headers, and there is no
// as_tuple, so errors come back through redirect_error.
// clang-format off
#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without it
// clang-format on

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <optional>
#include <set>
#include <thread>

#include "api/api.h"
#include "core/log.h"
#include "core/random.h"

namespace candor::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCodeAsio = boost::system::error_code;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::size_t kReadChunkBytes = 4096;

// A connection as Stop sees it: the stream, and whether it is waiting for a next request.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}

    beast::tcp_stream stream;
    bool is_idle = false;
};

// Where a Responder's answer lands: the connection's coroutine waits on `timer` until a
// posted completion stores the response and cancels it.
struct Slot {
    explicit Slot(const asio::any_io_executor& executor) : timer(executor) {}

    asio::steady_timer timer;
    std::optional<HttpResponse> response;
};

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

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// The method as a metrics label: any token is a valid HTTP method, so unknown ones share one
// label and a client cannot grow the series without bound.
std::string_view MethodLabel(std::string_view method) {
    for (const std::string_view known :
         {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (method == known) {
            return known;
        }
    }
    return "OTHER";
}

bool IsHttpError(const ErrorCodeAsio& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

}  // namespace

class Server::Impl {
public:
    Impl(ServerOptions options, const Router& router, Metrics& metrics)
        : options_(std::move(options)), router_(router), metrics_(metrics) {}

    ~Impl() {
        Stop();
        Wait();
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Status Start();
    void Stop();
    void Wait();

    std::uint16_t port() const { return port_.load(); }

private:
    struct Worker {
        // Declared before the io_context: coroutine frames destroyed with it unregister here.
        std::set<Connection*> connections;
        asio::io_context ioc{1};
        tcp::acceptor acceptor{ioc};
        Random random{SeedFromOs()};
        std::thread thread;
    };

    Status Listen(Worker& worker, const tcp::endpoint& endpoint) const;
    asio::awaitable<void> Accept(Worker& worker);
    asio::awaitable<void> Session(Worker& worker, tcp::socket socket);
    asio::awaitable<void> Serve(Worker& worker, Connection& connection);
    asio::awaitable<bool> AwaitRequest(Connection& connection,
                                       beast::flat_buffer& buffer,
                                       bool is_first);
    asio::awaitable<HttpResponse> Run(HttpRequest& request, const asio::any_io_executor& executor);
    std::optional<Error> ReadFailure(const ErrorCodeAsio& ec) const;
    static void Describe(const http::request<http::string_body>& header,
                         Random& random,
                         HttpRequest* request);
    asio::awaitable<bool> Answer(Connection& connection,
                                 const HttpRequest& request,
                                 HttpResponse response,
                                 bool keep_alive,
                                 const Stopwatch& stopwatch);
    void RunLoop(Worker& worker);

    ServerOptions options_;
    const Router& router_;
    Metrics& metrics_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<std::uint16_t> port_{0};
    std::atomic<std::size_t> connections_{0};
    std::atomic<bool> stopping_{false};

    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t running_ = 0;              // guarded by mutex_
    bool is_stop_requested_ = false;       // guarded by mutex_
    std::optional<Stopwatch> since_stop_;  // guarded by mutex_
    bool is_started_ = false;
};

Status Server::Impl::Listen(Worker& worker, const tcp::endpoint& endpoint) const {
    ErrorCodeAsio ec;
    tcp::acceptor& acceptor = worker.acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor.set_option(ReusePort(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "cannot listen on " + options_.host + ":" +
                             std::to_string(endpoint.port()) + ": " + ec.message());
    }
    return Ok();
}

Status Server::Impl::Start() {
    CANDOR_ASSERT(!is_started_);
    is_started_ = true;
    ErrorCodeAsio ec;
    const asio::ip::address address = asio::ip::make_address(options_.host, ec);
    if (ec) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "cannot listen on " + options_.host + ": not an IPv4 or IPv6 address (" +
                             ec.message() + ")");
    }
    std::size_t threads = options_.threads;
    if (threads == 0) {
        threads = std::max(1U, std::thread::hardware_concurrency());
    }
    tcp::endpoint endpoint(address, options_.port);
    for (std::size_t i = 0; i < threads; ++i) {
        auto worker = std::make_unique<Worker>();
        CANDOR_TRY(Listen(*worker, endpoint));
        if (i == 0) {
            // With port 0 the first bind picks the port; the others share it.
            endpoint.port(worker->acceptor.local_endpoint().port());
            port_.store(endpoint.port());
        }
        workers_.push_back(std::move(worker));
    }
    for (auto& worker : workers_) {
        asio::co_spawn(worker->ioc, Accept(*worker), asio::detached);
    }
    {
        const std::lock_guard lock(mutex_);
        running_ = workers_.size();
    }
    for (auto& worker : workers_) {
        worker->thread = std::thread([this, w = worker.get()] { RunLoop(*w); });
    }
    return Ok();
}

void Server::Impl::RunLoop(Worker& worker) {
    for (;;) {
        try {
            worker.ioc.run();
            break;
        } catch (const std::exception& e) {
            // A completion handler threw; the loop goes on serving the other connections.
            LogJson(LogLevel::kError, {{"msg", "event loop exception"}, {"what", e.what()}});
        }
    }
    const std::lock_guard lock(mutex_);
    --running_;
    changed_.notify_all();
}

void Server::Impl::Stop() {
    {
        const std::lock_guard lock(mutex_);
        if (is_stop_requested_) {
            return;
        }
        is_stop_requested_ = true;
        since_stop_.emplace();
        changed_.notify_all();
    }
    stopping_.store(true);
    for (auto& worker : workers_) {
        asio::post(worker->ioc, [w = worker.get()] {
            ErrorCodeAsio ignored;
            w->acceptor.close(ignored);
            for (Connection* connection : w->connections) {
                if (connection->is_idle) {
                    connection->stream.cancel();
                }
            }
        });
    }
}

void Server::Impl::Wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return is_stop_requested_ || running_ == 0; });
    if (since_stop_.has_value()) {
        const Duration left = options_.drain_timeout - Duration(since_stop_->ElapsedMicros());
        if (left > Duration::zero()) {
            changed_.wait_for(lock, left, [&] { return running_ == 0; });
        }
    }
    if (running_ > 0) {
        LogJson(LogLevel::kWarn,
                {{"msg", "drain timeout: dropping in-flight requests"},
                 {"connections", connections_.load()}});
        for (auto& worker : workers_) {
            worker->ioc.stop();
        }
    }
    lock.unlock();
    for (auto& worker : workers_) {
        if (worker->thread.joinable()) {
            worker->thread.join();
        }
    }
}

asio::awaitable<void> Server::Impl::Accept(Worker& worker) {
    while (!stopping_.load()) {
        ErrorCodeAsio ec;
        tcp::socket socket =
            co_await worker.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !worker.acceptor.is_open()) {
            break;
        }
        if (ec) {
            // Out of descriptors or a connection reset before accept: wait a little rather
            // than spin, then go on.
            LogJson(LogLevel::kWarn, {{"msg", "accept failed"}, {"error", ec.message()}});
            asio::steady_timer pause(worker.ioc, std::chrono::milliseconds(10));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        asio::co_spawn(worker.ioc, Session(worker, std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> Server::Impl::Session(Worker& worker, tcp::socket socket) {
    Connection connection(std::move(socket));
    worker.connections.insert(&connection);
    connections_.fetch_add(1);
    metrics_.AddOpenConnections(1);

    struct Unregister {
        Impl& impl;
        Worker& worker;
        Connection& connection;

        Unregister(Impl& impl_in, Worker& worker_in, Connection& connection_in)
            : impl(impl_in), worker(worker_in), connection(connection_in) {}

        Unregister(const Unregister&) = delete;
        Unregister& operator=(const Unregister&) = delete;

        ~Unregister() {
            worker.connections.erase(&connection);
            impl.connections_.fetch_sub(1);
            impl.metrics_.AddOpenConnections(-1);
        }
    } unregister{*this, worker, connection};

    try {
        co_await Serve(worker, connection);
    } catch (const std::exception& e) {
        LogJson(LogLevel::kError, {{"msg", "connection exception"}, {"what", e.what()}});
    }
    ErrorCodeAsio ignored;
    connection.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection.stream.socket().close(ignored);
}

asio::awaitable<bool> Server::Impl::Answer(Connection& connection,
                                           const HttpRequest& request,
                                           HttpResponse response,
                                           bool keep_alive,
                                           const Stopwatch& stopwatch) {
    http::response<http::string_body> message;
    message.version(11);
    message.result(static_cast<unsigned>(response.status));
    bool has_content_type = false;
    bool has_cache_control = false;
    for (auto& [name, value] : response.headers) {
        const std::string lower = Lower(name);
        has_content_type = has_content_type || lower == "content-type";
        has_cache_control = has_cache_control || lower == "cache-control";
        message.insert(name, value);
    }
    if (!has_content_type && !response.body.empty()) {
        message.set(http::field::content_type, "application/json");
    }
    if (!has_cache_control) {
        message.set(http::field::cache_control, "no-store");
    }
    message.set("X-Request-Id", request.request_id);
    const bool is_kept = keep_alive && !stopping_.load();
    message.keep_alive(is_kept);
    const std::size_t bytes = response.body.size();
    message.body() = std::move(response.body);
    message.prepare_payload();

    connection.stream.expires_after(options_.read_timeout);
    ErrorCodeAsio ec;
    co_await http::async_write(
        connection.stream, message, asio::redirect_error(asio::use_awaitable, ec));

    const std::string_view route =
        request.route.empty() ? std::string_view("(unmatched)") : std::string_view(request.route);
    const std::string_view method =
        request.method.empty() ? std::string_view("(none)") : std::string_view(request.method);
    const std::int64_t duration_us = stopwatch.ElapsedMicros();
    metrics_.ObserveRequest(route, MethodLabel(method), response.status, Duration(duration_us));
    LogJson(LogLevel::kInfo,
            {{"request_id", request.request_id},
             {"method", method},
             {"route", route},
             {"status", response.status},
             {"duration_us", duration_us},
             {"bytes", bytes}});
    co_return !ec && is_kept;
}

asio::awaitable<bool> Server::Impl::AwaitRequest(Connection& connection,
                                                 beast::flat_buffer& buffer,
                                                 bool is_first) {
    if (buffer.size() > 0) {
        co_return true;  // a pipelined request is already here
    }
    // Before the first request the read timeout applies; between requests, the idle timeout.
    connection.is_idle = true;
    connection.stream.expires_after(is_first ? options_.read_timeout : options_.idle_timeout);
    ErrorCodeAsio ec;
    const std::size_t read = co_await connection.stream.async_read_some(
        buffer.prepare(kReadChunkBytes), asio::redirect_error(asio::use_awaitable, ec));
    connection.is_idle = false;
    if (ec) {
        co_return false;  // closed, timed out, or cancelled by Stop
    }
    buffer.commit(read);
    co_return true;
}

void Server::Impl::Describe(const http::request<http::string_body>& header,
                            Random& random,
                            HttpRequest* request) {
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
        std::string& value = request->headers[Lower(field.name_string())];
        value += value.empty() ? std::string(field.value()) : ", " + std::string(field.value());
    }
}

std::optional<Error> Server::Impl::ReadFailure(const ErrorCodeAsio& ec) const {
    if (ec == http::error::header_limit) {
        return MakeError(ErrorCode::kHeadersTooLarge,
                         "The request line and headers exceed " +
                             std::to_string(options_.header_bytes_max) + " bytes.");
    }
    if (ec == http::error::body_limit) {
        return MakeError(ErrorCode::kPayloadTooLarge,
                         "The body exceeds " + std::to_string(options_.body_bytes_max) + " bytes.");
    }
    if (IsHttpError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
        return MakeError(ErrorCode::kInvalidArgument, "Malformed HTTP request.");
    }
    return std::nullopt;  // timeouts and resets close without an answer
}

asio::awaitable<HttpResponse> Server::Impl::Run(HttpRequest& request,
                                                const asio::any_io_executor& executor) {
    auto slot = std::make_shared<Slot>(executor);
    Responder respond([slot, executor](HttpResponse response) {
        asio::post(executor, [slot, answer = std::move(response)]() mutable {
            slot->response = std::move(answer);
            slot->timer.cancel();
        });
    });
    try {
        router_.Dispatch(&request, std::move(respond));
    } catch (const std::exception& e) {
        // The Responder, destroyed while unwinding, has already answered 500.
        LogJson(LogLevel::kError,
                {{"msg", "handler exception"},
                 {"request_id", request.request_id},
                 {"route", request.route},
                 {"what", e.what()}});
    }
    while (!slot->response.has_value()) {
        slot->timer.expires_at(asio::steady_timer::time_point::max());
        ErrorCodeAsio ec;
        co_await slot->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return std::move(*slot->response);
}

asio::awaitable<void> Server::Impl::Serve(Worker& worker, Connection& connection) {
    beast::tcp_stream& stream = connection.stream;
    if (connections_.load() > options_.connections_max) {
        HttpRequest request;
        request.request_id = GenerateRequestId(worker.random);
        const Error error = MakeError(ErrorCode::kOverloaded, "too many connections");
        co_await Answer(connection, request, Problem(error, request), false, Stopwatch());
        co_return;
    }
    beast::flat_buffer buffer;
    for (bool is_first = true; !stopping_.load(); is_first = false) {
        if (!co_await AwaitRequest(connection, buffer, is_first)) {
            co_return;
        }
        const Stopwatch stopwatch;
        stream.expires_after(options_.read_timeout);
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.header_bytes_max));
        parser.body_limit(options_.body_bytes_max);
        HttpRequest request;
        ErrorCodeAsio ec;
        co_await http::async_read_header(
            stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        std::optional<Error> refusal;
        if (!ec) {
            Describe(parser.get(), worker.random, &request);
            const auto& fields = parser.get();
            if (static_cast<std::size_t>(std::distance(fields.begin(), fields.end())) >
                options_.headers_count_max) {
                refusal =
                    MakeError(ErrorCode::kHeadersTooLarge,
                              "A request may carry at most " +
                                  std::to_string(options_.headers_count_max) + " header fields.");
            } else if (request.Header("expect") == "100-continue" && !parser.is_done()) {
                http::response<http::empty_body> go_on(http::status::continue_, 11);
                co_await http::async_write(
                    stream, go_on, asio::redirect_error(asio::use_awaitable, ec));
            }
        }
        if (!ec && !refusal.has_value()) {
            co_await http::async_read(
                stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        }
        if (ec && !refusal.has_value()) {
            refusal = ReadFailure(ec);
            if (!refusal.has_value()) {
                co_return;
            }
        }
        if (refusal.has_value()) {
            if (request.request_id.empty()) {
                request.request_id = GenerateRequestId(worker.random);
            }
            co_await Answer(connection, request, Problem(*refusal, request), false, stopwatch);
            co_return;
        }
        request.body = std::move(parser.get().body());
        if (const auto peer = stream.socket().remote_endpoint(ec); !ec) {
            request.remote_address = peer.address().to_string();
        }
        const bool keep_alive = parser.get().keep_alive();
        HttpResponse response = co_await Run(request, stream.get_executor());
        if (!co_await Answer(connection, request, std::move(response), keep_alive, stopwatch)) {
            co_return;
        }
    }
}

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

Status Server::Start() {
    return impl_->Start();
}

std::uint16_t Server::port() const {
    return impl_->port();
}

void Server::Stop() {
    impl_->Stop();
}

void Server::Wait() {
    impl_->Wait();
}

}  // namespace candor::api
