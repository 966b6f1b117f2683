// The HTTP server: every Asio and Beast type of Candor lives in this file, so that only it pays
// their compile time. One io_context per thread, each with its own SO_REUSEPORT acceptor on
// the same port, so the kernel spreads new connections over the threads; a connection then
// stays on its thread. Each connection is one coroutine: read a request under the limits,
// dispatch it, wait for the Responder's answer (posted back from any thread), write, repeat.
// With TLS the connection first completes a handshake; the same code, templated on the stream
// type, then serves plain and TLS connections.
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
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <condition_variable>
#include <exception>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>

#include "api/api.h"
#include "api/http_message.h"
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

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A connection as Stop sees it: its TCP layer, and whether it is waiting for a next request.
struct ConnectionState {
    beast::tcp_stream* tcp = nullptr;
    bool is_idle = false;
};

// A connection over a plain or a TLS stream. `tcp` is the TCP layer of either: timeouts,
// cancellation and closing act there.
template <class Stream>
struct Connection {
    template <class... Args>
    explicit Connection(Args&&... args)
        : stream(std::forward<Args>(args)...), tcp(beast::get_lowest_layer(stream)) {
        state.tcp = &tcp;
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Stream stream;
    beast::tcp_stream& tcp;
    ConnectionState state;
    static constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;
};

// A TLS server context: TLS 1.2 and 1.3 only, the certificate chain and key from PEM files.
Result<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const ServerOptions& options) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ErrorCodeAsio ec;
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                             asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                         ec);
    if (!ec) {
        context->use_certificate_chain_file(options.tls_cert_file, ec);
        if (ec) {
            return MakeError(
                ErrorCode::kInvalidArgument,
                "cannot load the TLS certificate " + options.tls_cert_file + ": " + ec.message());
        }
    }
    if (!ec) {
        context->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
        if (ec) {
            return MakeError(
                ErrorCode::kInvalidArgument,
                "cannot load the TLS key " + options.tls_key_file + ": " + ec.message());
        }
    }
    if (ec) {
        return MakeError(ErrorCode::kInvalidArgument, "cannot set up TLS: " + ec.message());
    }
    return context;
}

// Where a Responder's answer lands: the connection's coroutine waits on `timer` until a
// posted completion stores the response and cancels it.
struct Slot {
    explicit Slot(const asio::any_io_executor& executor) : timer(executor) {}

    asio::steady_timer timer;
    std::optional<HttpResponse> response;
};

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
        std::set<ConnectionState*> connections;
        asio::io_context ioc{1};
        tcp::acceptor acceptor{ioc};
        Random random{SeedFromOs()};
        std::thread thread;
    };

    Status Listen(Worker& worker, const tcp::endpoint& endpoint) const;
    asio::awaitable<void> Accept(Worker& worker);
    asio::awaitable<void> Session(Worker& worker, tcp::socket socket);
    template <class Stream>
    asio::awaitable<void> Hold(Worker& worker, Connection<Stream>& connection);
    template <class Stream>
    asio::awaitable<void> Serve(Worker& worker, Connection<Stream>& connection);
    template <class Stream>
    asio::awaitable<bool> AwaitRequest(Connection<Stream>& connection,
                                       beast::flat_buffer& buffer,
                                       bool is_first);
    asio::awaitable<HttpResponse> Run(HttpRequest& request, const asio::any_io_executor& executor);
    template <class Stream>
    asio::awaitable<bool> Answer(Connection<Stream>& connection,
                                 const HttpRequest& request,
                                 HttpResponse response,
                                 bool keep_alive,
                                 const Stopwatch& stopwatch);
    void RunLoop(Worker& worker);

    ServerOptions options_;
    const Router& router_;
    Metrics& metrics_;
    std::unique_ptr<asio::ssl::context> tls_;  // set when serving TLS
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
    if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
        CANDOR_ASSIGN_OR_RETURN(tls_, MakeTlsContext(options_));
    }
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
            for (ConnectionState* connection : w->connections) {
                if (connection->is_idle) {
                    connection->tcp->cancel();
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
    if (tls_ != nullptr) {
        Connection<TlsStream> connection(std::move(socket), *tls_);
        co_await Hold(worker, connection);
    } else {
        Connection<PlainStream> connection(std::move(socket));
        co_await Hold(worker, connection);
    }
}

// Registers the connection for Stop, serves it (after the TLS handshake, for TLS), closes it.
template <class Stream>
asio::awaitable<void> Server::Impl::Hold(Worker& worker, Connection<Stream>& connection) {
    worker.connections.insert(&connection.state);
    connections_.fetch_add(1);
    metrics_.AddOpenConnections(1);

    struct Unregister {
        Impl& impl;
        Worker& worker;
        ConnectionState& connection;

        Unregister(Impl& impl_in, Worker& worker_in, ConnectionState& connection_in)
            : impl(impl_in), worker(worker_in), connection(connection_in) {}

        Unregister(const Unregister&) = delete;
        Unregister& operator=(const Unregister&) = delete;

        ~Unregister() {
            worker.connections.erase(&connection);
            impl.connections_.fetch_sub(1);
            impl.metrics_.AddOpenConnections(-1);
        }
    } unregister{*this, worker, connection.state};

    try {
        bool is_ready = true;
        if constexpr (Connection<Stream>::kIsTls) {
            // A client that does not speak TLS (plain HTTP included) fails here and is closed
            // without an answer: there is no channel to answer on.
            connection.tcp.expires_after(options_.read_timeout);
            ErrorCodeAsio ec;
            co_await connection.stream.async_handshake(
                asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
            is_ready = !ec;
        }
        if (is_ready) {
            co_await Serve(worker, connection);
        }
        if constexpr (Connection<Stream>::kIsTls) {
            if (is_ready) {
                // close_notify, so the client can tell the end from a truncation.
                connection.tcp.expires_after(options_.read_timeout);
                ErrorCodeAsio ec;
                co_await connection.stream.async_shutdown(
                    asio::redirect_error(asio::use_awaitable, ec));
            }
        }
    } catch (const std::exception& e) {
        LogJson(LogLevel::kError, {{"msg", "connection exception"}, {"what", e.what()}});
    }
    ErrorCodeAsio ignored;
    connection.tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
    connection.tcp.socket().close(ignored);
}

template <class Stream>
asio::awaitable<bool> Server::Impl::Answer(Connection<Stream>& connection,
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
        const std::string lower = LowerAscii(name);
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

    connection.tcp.expires_after(options_.read_timeout);
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

template <class Stream>
asio::awaitable<bool> Server::Impl::AwaitRequest(Connection<Stream>& connection,
                                                 beast::flat_buffer& buffer,
                                                 bool is_first) {
    if (buffer.size() > 0) {
        co_return true;  // a pipelined request is already here
    }
    // Before the first request the read timeout applies; between requests, the idle timeout.
    connection.state.is_idle = true;
    connection.tcp.expires_after(is_first ? options_.read_timeout : options_.idle_timeout);
    ErrorCodeAsio ec;
    const std::size_t read = co_await connection.stream.async_read_some(
        buffer.prepare(kReadChunkBytes), asio::redirect_error(asio::use_awaitable, ec));
    connection.state.is_idle = false;
    if (ec) {
        co_return false;  // closed, timed out, or cancelled by Stop
    }
    buffer.commit(read);
    co_return true;
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

template <class Stream>
asio::awaitable<void> Server::Impl::Serve(Worker& worker, Connection<Stream>& connection) {
    Stream& stream = connection.stream;
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
        connection.tcp.expires_after(options_.read_timeout);
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options_.header_bytes_max));
        parser.body_limit(options_.body_bytes_max);
        HttpRequest request;
        ErrorCodeAsio ec;
        co_await http::async_read_header(
            stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        std::optional<Error> refusal;
        if (!ec) {
            DescribeRequest(parser.get(), worker.random, &request);
            refusal = CheckHeaderCount(parser.get(), options_);
            if (!refusal.has_value() && request.Header("expect") == "100-continue" &&
                !parser.is_done()) {
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
            refusal = ReadFailure(ec, options_);
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
        request.is_tls = Connection<Stream>::kIsTls;
        if (const auto peer = connection.tcp.socket().remote_endpoint(ec); !ec) {
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
