#include <algorithm>

#include "api/api.h"
#include "core/assert.h"

namespace candor::api {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;  // after the leading '/'
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool IsParameter(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view Lookup(const std::map<std::string, std::string, std::less<>>& map,
                        std::string_view key) {
    const auto it = map.find(key);
    return it == map.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
    return Lookup(headers, name);
}

std::string_view HttpRequest::Param(std::string_view name) const {
    return Lookup(params, name);
}

HttpResponse HttpResponse::Json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

std::string_view HttpResponse::Header(std::string_view name) const {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    for (const auto& [key, value] : headers) {
        if (std::equal(key.begin(), key.end(), name.begin(), name.end(), [&](char a, char b) {
                return lower(a) == lower(b);
            })) {
            return value;
        }
    }
    return {};
}

Responder::Responder(Deliver deliver) : deliver_(std::move(deliver)) {}

Responder::~Responder() {
    if (deliver_) {
        // A handler dropped its Responder: answer rather than leave the client waiting.
        auto deliver = std::move(deliver_);
        deliver_ = nullptr;
        deliver(Problem(MakeError(ErrorCode::kInternal, "the handler dropped its responder"), ""));
    }
}

Responder::Responder(Responder&& other) noexcept : deliver_(std::move(other.deliver_)) {
    other.deliver_ = nullptr;
}

Responder& Responder::operator=(Responder&& other) noexcept {
    if (this != &other) {
        Responder dropped(std::move(*this));  // answers 500 if it was still pending
        deliver_ = std::move(other.deliver_);
        other.deliver_ = nullptr;
    }
    return *this;
}

void Responder::operator()(HttpResponse response) {
    CANDOR_ASSERT(deliver_);
    auto deliver = std::move(deliver_);
    deliver_ = nullptr;
    deliver(std::move(response));
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
    CANDOR_ASSERT(!method.empty());
    CANDOR_ASSERT(!pattern.empty() && pattern.front() == '/');
    CANDOR_ASSERT(handler);
    auto it = std::find_if(routes_.begin(), routes_.end(), [&](const Route& route) {
        return route.pattern == pattern;
    });
    if (it == routes_.end()) {
        Route route;
        route.pattern = std::string(pattern);
        route.segments = SplitPath(pattern);
        std::vector<std::string_view> names;
        for (const std::string& segment : route.segments) {
            if (IsParameter(segment)) {
                const std::string_view name =
                    std::string_view(segment).substr(1, segment.size() - 2);
                CANDOR_ASSERT(std::find(names.begin(), names.end(), name) == names.end());
                names.push_back(name);
            }
        }
        routes_.push_back(std::move(route));
        it = std::prev(routes_.end());
    }
    const bool is_new = it->methods.emplace(std::string(method), std::move(handler)).second;
    CANDOR_ASSERT(is_new);
}

const Router::Route* Router::Match(std::string_view path,
                                   std::map<std::string, std::string, std::less<>>* params) const {
    if (path.empty() || path.front() != '/') {
        return nullptr;
    }
    const std::vector<std::string> segments = SplitPath(path);
    const Route* best = nullptr;
    for (const Route& route : routes_) {
        if (route.segments.size() != segments.size()) {
            continue;
        }
        bool is_match = true;
        for (std::size_t i = 0; i < segments.size() && is_match; ++i) {
            is_match = IsParameter(route.segments[i]) ? !segments[i].empty()
                                                      : route.segments[i] == segments[i];
        }
        if (!is_match) {
            continue;
        }
        if (best == nullptr) {
            best = &route;
            continue;
        }
        // Prefer the route whose first differing segment is a literal.
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const bool mine = IsParameter(route.segments[i]);
            const bool theirs = IsParameter(best->segments[i]);
            if (mine != theirs) {
                if (!mine) {
                    best = &route;
                }
                break;
            }
        }
    }
    if (best != nullptr) {
        params->clear();
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const std::string& segment = best->segments[i];
            if (IsParameter(segment)) {
                params->emplace(segment.substr(1, segment.size() - 2), segments[i]);
            }
        }
    }
    return best;
}

void Router::Dispatch(HttpRequest* request, Responder respond) const {
    const Route* route = Match(request->path, &request->params);
    if (route == nullptr) {
        request->route.clear();
        respond(
            Problem(MakeError(ErrorCode::kUnknownRoute, "No route matches this path."), *request));
        return;
    }
    request->route = route->pattern;
    const auto handler = route->methods.find(request->method);
    if (handler == route->methods.end()) {
        std::string allow;
        for (const auto& [method, unused] : route->methods) {
            allow += allow.empty() ? method : ", " + method;
        }
        HttpResponse response =
            Problem(MakeError(ErrorCode::kMethodNotAllowed,
                              "This path does not accept " + request->method + "."),
                    *request);
        response.headers.emplace_back("Allow", std::move(allow));
        respond(std::move(response));
        return;
    }
    handler->second(*request, std::move(respond));
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
    std::vector<std::pair<std::string, std::string>> routes;
    for (const Route& route : routes_) {
        for (const auto& [method, unused] : route.methods) {
            routes.emplace_back(method, route.pattern);
        }
    }
    std::sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) {
        return std::tie(a.second, a.first) < std::tie(b.second, b.first);
    });
    return routes;
}

}  // namespace candor::api
