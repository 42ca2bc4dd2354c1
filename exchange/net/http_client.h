// One HTTP(S) request per call over a fresh connection, with an explicit deadline on every step
// (resolve, connect, TLS handshake with SNI and certificate verification, write, read).
// `request` blocks (its own io_context); `async_request` runs on a caller's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exchange/net/url.h"

namespace exchange::net {

struct HttpRequest {
    std::string method = "GET";  // GET | POST | DELETE
    std::string target;          // path and query, e.g. "/api/v3/time"
    std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
    int status = 0;
    std::string body;
    std::optional<int> retry_after_s;  // Retry-After header (429 / 418)
};

struct HttpOutcome {
    std::optional<HttpResponse> response;  // empty: a transport failure, see error
    std::string error;                     // "connect 127.0.0.1:443: Connection refused"
    bool timed_out = false;
    // False when the failure happened before the request could reach the server (resolve,
    // connect, TLS handshake): only then is it certain the server did nothing.
    bool request_sent = false;
    // The caller's cancel predicate turned true before an answer came (see request()).
    bool cancelled = false;
};

// Asked often (about every 100 ms) while a blocking call waits; true abandons the wait. Empty:
// never.
using CancelCheck = std::function<bool()>;

using HttpHandler = std::function<void(HttpOutcome)>;

class HttpClient {
public:
    // tls may be null when base is plain http://.
    HttpClient(Url base, std::shared_ptr<boost::asio::ssl::context> tls,
               std::chrono::milliseconds timeout);

    // Blocking. Thread-safe: every call has its own io_context and connection. When `cancelled`
    // turns true the call returns within about 100 ms with outcome.cancelled set (the connection
    // is dropped; whether the request reached the server is unknown).
    [[nodiscard]] HttpOutcome request(const HttpRequest& req,
                                      const CancelCheck& cancelled = {}) const;
    // The handler runs on `ex` exactly once, unless the executor's context is stopped first.
    void async_request(boost::asio::any_io_executor ex, const HttpRequest& req,
                       HttpHandler handler) const;

    const Url& base() const { return base_; }

private:
    // Constant after construction.
    Url base_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::chrono::milliseconds timeout_;
};

}  // namespace exchange::net
