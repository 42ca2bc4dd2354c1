// Client TLS for the REST client and the WebSocket stream: one context (TLS 1.2+, peer
// verification always on, trust from exchange.ca_file or else the system CAs) and one way of
// preparing a connection for a host (SNI and host-name verification).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <optional>
#include <string>

namespace exchange::net {

// Throws std::runtime_error naming the file when ca_file cannot be loaded (a start-up error).
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(
    const std::optional<std::string>& ca_file);

// True for "127.0.0.1" and "::1", false for a host name.
[[nodiscard]] bool is_ip_literal(const std::string& host);

// Before the handshake: SNI with `host` (never for an IP literal, which TLS forbids there) and
// verification that the certificate names `host`. An error when OpenSSL refuses the SNI name.
template <class NextLayer>
[[nodiscard]] boost::system::error_code prepare_client_tls(
    boost::asio::ssl::stream<NextLayer>& stream, const std::string& host) {
    if (!is_ip_literal(host) && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
        return {static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()};
    }
    stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    return {};
}

// An error's message, with OpenSSL's own reason appended for TLS failures ("certificate verify
// failed") so that a log line says why a handshake was refused.
[[nodiscard]] std::string error_text(const boost::system::error_code& ec);

}  // namespace exchange::net
