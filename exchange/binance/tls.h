// The client TLS context shared by the REST client and the WebSocket stream: TLS 1.2+, peer
// verification always on, trust from exchange.ca_file or else the system CAs.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

namespace exchange::binance {

// Throws std::runtime_error naming the file when ca_file cannot be loaded (a start-up error).
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(
    const std::optional<std::string>& ca_file);

}  // namespace exchange::binance
