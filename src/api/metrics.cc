#include <fmt/format.h>

#include <iterator>

#include "api/api.h"

namespace candor::api {
namespace {

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

void AppendMetricFamily(std::string* out,
                        std::string_view name,
                        std::string_view type,
                        std::string_view help) {
    out->append(fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type));
}

void AppendMetricSample(std::string* out,
                        std::string_view name,
                        std::string_view labels,
                        std::int64_t value) {
    if (labels.empty()) {
        out->append(fmt::format("{} {}\n", name, value));
    } else {
        out->append(fmt::format("{}{{{}}} {}\n", name, labels, value));
    }
}

void AppendHistogram(std::string* out,
                     std::string_view name,
                     std::string_view labels,
                     const Histogram& histogram,
                     MetricUnit unit) {
    const auto value = [unit](std::int64_t v) {
        return unit == MetricUnit::kMicroseconds ? Seconds(v) : std::to_string(v);
    };
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.bounds().size(); ++i) {
        cumulative += histogram.counts()[i];
        out->append(fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n",
                                name,
                                prefix,
                                value(histogram.bounds()[i]),
                                cumulative));
    }
    out->append(fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, prefix, histogram.count()));
    const std::string braced = labels.empty() ? std::string() : "{" + std::string(labels) + "}";
    out->append(fmt::format("{}_sum{} {}\n", name, braced, value(histogram.sum())));
    out->append(fmt::format("{}_count{} {}\n", name, braced, histogram.count()));
}

void Metrics::ObserveRequest(std::string_view route,
                             std::string_view method,
                             int status,
                             Duration duration) {
    const std::int64_t us = std::max<std::int64_t>(duration.count(), 0);
    const std::lock_guard lock(mutex_);
    ++requests_[{std::string(route), std::string(method), status}];
    auto it = durations_.find(route);
    if (it == durations_.end()) {
        it = durations_.emplace(std::string(route), Histogram(kLatencyBoundsUs)).first;
    }
    it->second.Observe(us);
}

void Metrics::AddOpenConnections(std::int64_t delta) {
    connections_open_.fetch_add(delta);
}

void Metrics::AddCollector(Collector collect) {
    const std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(collect));
}

std::string Metrics::Render() const {
    std::string out;
    std::vector<Collector> collectors;
    {
        const std::lock_guard lock(mutex_);
        AppendMetricFamily(
            &out, "http_requests_total", "counter", "HTTP requests answered, by route pattern.");
        for (const auto& [key, count] : requests_) {
            const auto& [route, method, status] = key;
            out.append(
                fmt::format("http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                            EscapeLabel(route),
                            EscapeLabel(method),
                            status,
                            count));
        }
        AppendMetricFamily(&out,
                           "http_request_duration_seconds",
                           "histogram",
                           "Time from a whole request to its response.");
        for (const auto& [route, histogram] : durations_) {
            AppendHistogram(&out,
                            "http_request_duration_seconds",
                            fmt::format("route=\"{}\"", EscapeLabel(route)),
                            histogram,
                            MetricUnit::kMicroseconds);
        }
        collectors = collectors_;
    }
    AppendMetricFamily(&out, "http_connections_open", "gauge", "HTTP connections open now.");
    AppendMetricSample(&out, "http_connections_open", "", connections_open_.load());
    // Outside the lock: a collector takes its own module's locks.
    for (const Collector& collect : collectors) {
        collect(&out);
    }
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
