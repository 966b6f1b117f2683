// The server over real sockets on 127.0.0.1, spoken to by a minimal HTTP/1.1 client written
// here over POSIX sockets, so that the tests see exactly the bytes a client would.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"

namespace candor::api {
namespace {

using std::chrono::milliseconds;

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string body;
};

class Client {
public:
    explicit Client(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval timeout{};
        timeout.tv_sec = 5;
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        is_connected_ =
            connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }

    ~Client() { close(fd_); }

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool is_connected() const { return is_connected_; }

    void Send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (sent <= 0) {
                return;
            }
            data.remove_prefix(static_cast<std::size_t>(sent));
        }
    }

    // One response (Content-Length framed); nullopt on close or after the 5 s receive timeout.
    std::optional<Reply> Read() {
        std::size_t end = 0;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        Reply reply;
        const std::string head = buffer_.substr(0, end);
        buffer_.erase(0, end + 4);
        reply.status = std::stoi(head.substr(9, 3));
        std::size_t line = head.find("\r\n");
        while (line != std::string::npos) {
            const std::size_t next = head.find("\r\n", line + 2);
            const std::string field = head.substr(line + 2, next - line - 2);
            const std::size_t colon = field.find(':');
            std::string name = field.substr(0, colon);
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            reply.headers[name] = field.substr(colon + 2);
            line = next;
        }
        const std::size_t length = std::stoul(reply.headers["content-length"]);
        while (buffer_.size() < length) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        reply.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return reply;
    }

    // True when the server closes the connection (within the 5 s receive timeout).
    bool WaitClosed() {
        char byte = 0;
        return recv(fd_, &byte, 1, 0) == 0;
    }

private:
    bool Fill() {
        char chunk[4096];
        const ssize_t got = recv(fd_, chunk, sizeof chunk, 0);
        if (got <= 0) {
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(got));
        return true;
    }

    int fd_;
    bool is_connected_ = false;
    std::string buffer_;
};

std::string Get(std::string_view path, std::string_view extra_headers = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
           "\r\n";
}

class ServerTest : public ::testing::Test {
protected:
    void StartServer(ServerOptions options = {}) {
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 2;
        router_.Add("GET", "/hello", [](const HttpRequest& request, Responder respond) {
            respond(HttpResponse::Json(200, R"({"hello":")" + request.request_id + "\"}"));
        });
        router_.Add("POST", "/echo", [](const HttpRequest& request, Responder respond) {
            respond(HttpResponse::Json(200, request.body));
        });
        // Answers from another thread after a pause, as a Committer callback would.
        router_.Add("GET", "/slow", [this](const HttpRequest&, Responder respond) {
            const std::lock_guard lock(mutex_);
            threads_.emplace_back([respond = std::move(respond)]() mutable {
                std::this_thread::sleep_for(milliseconds(300));
                respond(HttpResponse::Json(200, R"({"slow":true})"));
            });
        });
        RegisterHealth(router_, metrics_, [] { return true; });
        server_.emplace(options, router_, metrics_);
        ASSERT_TRUE(server_->Start().has_value());
        ASSERT_NE(server_->port(), 0);
    }

    void TearDown() override {
        if (server_.has_value()) {
            server_->Stop();
            server_->Wait();
        }
        const std::lock_guard lock(mutex_);
        for (std::thread& thread : threads_) {
            thread.join();
        }
    }

    std::uint16_t port() const { return server_->port(); }

    Router router_;
    Metrics metrics_;
    std::optional<Server> server_;
    std::mutex mutex_;
    std::vector<std::thread> threads_;
};

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    // Proves HTTP/1.1 keep-alive and the default headers on every response.
    StartServer();
    Client client(port());
    ASSERT_TRUE(client.is_connected());
    for (int i = 0; i < 2; ++i) {
        client.Send(Get("/hello"));
        auto reply = client.Read();
        ASSERT_TRUE(reply.has_value()) << i;
        EXPECT_EQ(reply->status, 200);
        EXPECT_EQ(reply->headers["content-type"], "application/json");
        EXPECT_EQ(reply->headers["cache-control"], "no-store");
        EXPECT_EQ(reply->headers.count("connection"), 0U);
    }
}

TEST_F(ServerTest, RequestIdIsEchoedOrGenerated) {
    // Proves that an acceptable X-Request-Id is echoed and anything else replaced by 32 hex.
    StartServer();
    Client client(port());
    client.Send(Get("/hello", "X-Request-Id: till-17/abc:1\r\n"));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->headers["x-request-id"], "till-17/abc:1");
    EXPECT_EQ(reply->body, R"({"hello":"till-17/abc:1"})");

    for (const std::string& header :
         std::vector<std::string>{std::string(),
                                  "X-Request-Id: has space\r\n",
                                  "X-Request-Id: " + std::string(129, 'a') + "\r\n"}) {
        client.Send(Get("/hello", header));
        reply = client.Read();
        ASSERT_TRUE(reply.has_value());
        const std::string id = reply->headers["x-request-id"];
        EXPECT_EQ(id.size(), 32U) << header;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    }
}

TEST_F(ServerTest, UnknownPathIs404ProblemOverTheWire) {
    // Proves that router problems reach the client with the request id inside the document.
    StartServer();
    Client client(port());
    client.Send(Get("/missing", "X-Request-Id: r-1\r\n"));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 404);
    EXPECT_EQ(reply->headers["content-type"], "application/problem+json");
    EXPECT_NE(reply->body.find(R"("request_id":"r-1")"), std::string::npos);
    EXPECT_NE(reply->body.find(R"("instance":"/missing")"), std::string::npos);
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
    // Proves that a body larger than body_bytes_max is refused with a problem, then closed.
    ServerOptions options;
    options.body_bytes_max = 1024;
    StartServer(options);
    Client client(port());
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" +
                std::string(2000, 'x'));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 413);
    EXPECT_EQ(reply->headers["content-type"], "application/problem+json");
    EXPECT_NE(reply->body.find("payload-too-large"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, BodyWithinTheLimitIsServed) {
    // Proves that bodies reach handlers whole.
    ServerOptions options;
    options.body_bytes_max = 1024;
    StartServer(options);
    Client client(port());
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                std::string(1024, 'y'));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, std::string(1024, 'y'));
}

TEST_F(ServerTest, OversizedHeadersAre431) {
    // Proves that header bytes over header_bytes_max answer 431 and close.
    ServerOptions options;
    options.header_bytes_max = 1024;
    StartServer(options);
    Client client(port());
    client.Send(Get("/hello", "X-Big: " + std::string(2000, 'h') + "\r\n"));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 431);
    EXPECT_NE(reply->body.find("headers-too-large"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, TooManyHeadersAre431) {
    // Proves the header-count limit, which a byte limit alone does not give.
    ServerOptions options;
    options.headers_count_max = 10;
    StartServer(options);
    Client client(port());
    std::string headers;
    for (int i = 0; i < 11; ++i) {
        headers += "X-H" + std::to_string(i) + ": v\r\n";
    }
    client.Send(Get("/hello", headers));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 431);
}

TEST_F(ServerTest, MalformedRequestIs400ThenClosed) {
    // Proves that bytes that are not HTTP get a 400 problem and the connection is closed.
    StartServer();
    Client client(port());
    client.Send("GET /hello NOT-HTTP\r\n\r\n");
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 400);
    EXPECT_NE(reply->body.find("invalid-argument"), std::string::npos);
    EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, HandlerMayAnswerFromAnotherThread) {
    // Proves the asynchronous path a Committer callback takes.
    StartServer();
    Client client(port());
    client.Send(Get("/slow"));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, R"({"slow":true})");
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterTheReadTimeout) {
    // Proves that half a request cannot hold a connection past read_timeout.
    ServerOptions options;
    options.read_timeout = milliseconds(300);
    StartServer(options);
    Client client(port());
    client.Send("GET /hello HTTP/1.1\r\nHost: t\r\n");
    const Stopwatch stopwatch;
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_LT(stopwatch.ElapsedMicros(), 4'000'000);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
    // Proves that an idle keep-alive connection is closed after idle_timeout.
    ServerOptions options;
    options.idle_timeout = milliseconds(200);
    StartServer(options);
    Client client(port());
    client.Send(Get("/hello"));
    ASSERT_TRUE(client.Read().has_value());
    EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ServerTest, GracefulStopFinishesInFlightAndClosesIdle) {
    // Proves that Stop lets a slow in-flight request finish (with Connection: close) and
    // closes an idle keep-alive connection at once.
    StartServer();
    Client idle(port());
    idle.Send(Get("/hello"));
    ASSERT_TRUE(idle.Read().has_value());

    Client busy(port());
    busy.Send(Get("/slow"));
    std::this_thread::sleep_for(milliseconds(100));
    server_->Stop();
    auto reply = busy.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->headers["connection"], "close");
    EXPECT_TRUE(idle.WaitClosed());
    server_->Wait();
    Client late(port());
    EXPECT_FALSE(late.is_connected());
}

TEST_F(ServerTest, ConnectionsOverTheCapGet503) {
    // Proves the connection cap: the extra connection is answered 503 overloaded and closed.
    ServerOptions options;
    options.connections_max = 1;
    StartServer(options);
    Client first(port());
    first.Send(Get("/hello"));
    ASSERT_TRUE(first.Read().has_value());
    Client second(port());
    auto reply = second.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 503);
    EXPECT_EQ(reply->headers["retry-after"], "1");
    EXPECT_NE(reply->body.find("overloaded"), std::string::npos);
    EXPECT_TRUE(second.WaitClosed());
}

TEST_F(ServerTest, HealthAndMetricsRoutes) {
    // Proves /healthz, /readyz and that /metrics counts an earlier request by route.
    StartServer();
    Client client(port());
    client.Send(Get("/healthz"));
    auto reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->body, R"({"status":"ok"})");
    client.Send(Get("/readyz"));
    reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    client.Send(Get("/metrics"));
    reply = client.Read();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(
        reply->body.find(R"(http_requests_total{route="/healthz",method="GET",status="200"} 1)"),
        std::string::npos)
        << reply->body;
    EXPECT_NE(reply->body.find("http_connections_open 1"), std::string::npos);
}

TEST(ServerStartTest, UnusableAddressIsInvalidArgument) {
    // Proves that Start reports an address it cannot bind, with the reason.
    Router router;
    Metrics metrics;
    ServerOptions options;
    options.host = "not an address";
    Server bad_host(options, router, metrics);
    const Status started = bad_host.Start();
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);

    // A port held by a socket without SO_REUSEPORT cannot be shared.
    const int holder = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(holder, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(holder, 1), 0);
    socklen_t length = sizeof address;
    getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length);
    options.host = "127.0.0.1";
    options.port = ntohs(address.sin_port);
    Server busy(options, router, metrics);
    const Status taken = busy.Start();
    close(holder);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(taken.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace candor::api
