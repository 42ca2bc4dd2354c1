#include "exchange/net/tls.h"

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace exchange::net {

std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(
    const std::optional<std::string>& ca_file) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (ca_file) {
        ctx->load_verify_file(*ca_file, ec);
        if (ec) {
            throw std::runtime_error("exchange.ca_file: cannot load \"" + *ca_file +
                                     "\": " + ec.message());
        }
    } else {
        ctx->set_default_verify_paths(ec);
        if (ec) throw std::runtime_error("cannot load the system CA certificates: " + ec.message());
    }
    return ctx;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

std::string error_text(const boost::system::error_code& ec) {
    std::string detail = ec.message();
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        char buf[256];
        ::ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
        detail += " (" + std::string(buf) + ")";
    }
    return detail;
}

}  // namespace exchange::net
