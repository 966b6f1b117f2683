#include <fmt/format.h>

#include <iterator>

#include "api/api.h"

namespace candor::api {
namespace {

constexpr std::size_t kBucketCount = Metrics::kBucketBoundsUs.size();

// Label values escape backslash, double quote and line feed (text format 0.0.4).
std::string EscapeLabel(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out.append("\\\\");
        } else if (c == '"') {
            out.append("\\\"");
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Microseconds as decimal seconds, without floating point: 2500 -> "0.0025".
std::string Seconds(std::int64_t us) {
    std::string text = fmt::format("{}.{:06d}", us / 1'000'000, us % 1'000'000);
    while (text.back() == '0') {
        text.pop_back();
    }
    if (text.back() == '.') {
        text.pop_back();
    }
    return text;
}

}  // namespace

void Metrics::ObserveRequest(std::string_view route,
                             std::string_view method,
                             int status,
                             Duration duration) {
    const std::int64_t us = std::max<std::int64_t>(duration.count(), 0);
    std::size_t bucket = 0;
    while (bucket < kBucketCount && us > kBucketBoundsUs[bucket]) {
        ++bucket;
    }
    const std::lock_guard lock(mutex_);
    ++requests_[{std::string(route), std::string(method), status}];
    auto it = durations_.find(route);
    if (it == durations_.end()) {
        it = durations_.emplace(std::string(route), Histogram{}).first;
        it->second.counts.assign(kBucketCount + 1, 0);
    }
    ++it->second.counts[bucket];
    ++it->second.count;
    it->second.sum_us += us;
}

void Metrics::AddOpenConnections(std::int64_t delta) {
    connections_open_.fetch_add(delta);
}

std::string Metrics::Render() const {
    std::string out;
    const std::lock_guard lock(mutex_);
    out.append("# HELP http_requests_total HTTP requests answered, by route pattern.\n");
    out.append("# TYPE http_requests_total counter\n");
    for (const auto& [key, count] : requests_) {
        const auto& [route, method, status] = key;
        out.append(
            fmt::format("http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                        EscapeLabel(route),
                        EscapeLabel(method),
                        status,
                        count));
    }
    out.append("# HELP http_request_duration_seconds Time from a whole request to its response.\n");
    out.append("# TYPE http_request_duration_seconds histogram\n");
    for (const auto& [route, histogram] : durations_) {
        const std::string label = EscapeLabel(route);
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < kBucketCount; ++i) {
            cumulative += histogram.counts[i];
            out.append(
                fmt::format("http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                            label,
                            Seconds(kBucketBoundsUs[i]),
                            cumulative));
        }
        out.append(
            fmt::format("http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                        label,
                        histogram.count));
        out.append(fmt::format("http_request_duration_seconds_sum{{route=\"{}\"}} {}\n",
                               label,
                               Seconds(histogram.sum_us)));
        out.append(fmt::format(
            "http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label, histogram.count));
    }
    out.append("# HELP http_connections_open HTTP connections open now.\n");
    out.append("# TYPE http_connections_open gauge\n");
    out.append(fmt::format("http_connections_open {}\n", connections_open_.load()));
    return out;
}

void RegisterHealth(Router& router, const Metrics& metrics, std::function<bool()> is_ready) {
    router.Add("GET", "/healthz", [](const HttpRequest&, Responder respond) {
        respond(HttpResponse::Json(200, R"({"status":"ok"})"));
    });
    router.Add(
        "GET",
        "/readyz",
        [is_ready = std::move(is_ready)](const HttpRequest& request, Responder respond) {
            if (is_ready()) {
                respond(HttpResponse::Json(200, R"({"status":"ready"})"));
                return;
            }
            respond(Problem(MakeError(ErrorCode::kNotReady, "The server is not ready."), request));
        });
    router.Add("GET", "/metrics", [&metrics](const HttpRequest&, Responder respond) {
        HttpResponse response;
        response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        response.body = metrics.Render();
        respond(std::move(response));
    });
}

}  // namespace candor::api
