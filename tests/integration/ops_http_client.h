// A plain blocking HTTP/1.1 client for tests, over a real TCP socket (Boost.Beast, synchronous).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>

namespace testing_support {

struct HttpReply {
    unsigned status = 0;
    std::string content_type;
    std::string body;
    bool keep_alive = false;
};

// One request on a fresh connection. Throws boost::system::system_error on a transport error.
inline HttpReply http_request(std::uint16_t port, const std::string& target,
                              boost::beast::http::verb method = boost::beast::http::verb::get,
                              const std::string& host = "127.0.0.1") {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(host, std::to_string(port)));
    http::request<http::empty_body> req{method, target, 11};
    req.set(http::field::host, host);
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == http::verb::head) parser.skip(true);
    http::read(stream, buffer, parser);
    const auto& res = parser.get();
    HttpReply r;
    r.status = res.result_int();
    r.content_type = std::string(res[http::field::content_type]);
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    return r;
}

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
    return http_request(port, target);
}

// A free TCP port on 127.0.0.1 at the time of asking (bind to 0, read it, release it).
inline std::uint16_t free_tcp_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(
        ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

}  // namespace testing_support
