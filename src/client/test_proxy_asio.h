// Test support: a TCP proxy on 127.0.0.1 in front of a server, on its own io thread. cut()
// drops every proxied connection and refuses new ones (accepts and closes them), so a client
// loses its server while the server keeps running; restore() forwards again. This makes
// "the client cannot reach the server for longer than the session timeout" deterministic.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wd::client::testing {

class TcpProxy {
public:
    explicit TcpProxy(uint16_t target_port)
        : target_port_(target_port), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TcpProxy() {
        asio::post(io_, [this] {
            asio::error_code ignored;
            acceptor_.close(ignored);
            close_all();
        });
        io_.stop();
        thread_.join();
    }
    uint16_t port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    void cut() {
        forwarding_ = false;
        asio::post(io_, [this] { close_all(); });
    }
    void restore() { forwarding_ = true; }

private:
    struct Pair {
        explicit Pair(asio::io_context& io) : client(io), server(io) {}
        asio::ip::tcp::socket client;
        asio::ip::tcp::socket server;
        std::array<char, 16384> up{};
        std::array<char, 16384> down{};
        void close() {
            asio::error_code ignored;
            client.close(ignored);
            server.close(ignored);
        }
    };

    void accept() {
        auto pair = std::make_shared<Pair>(io_);
        acceptor_.async_accept(pair->client, [this, pair](asio::error_code ec) {
            if (ec) {
                return;
            }
            if (!forwarding_) {
                pair->close();
            } else {
                pairs_.push_back(pair);
                asio::ip::tcp::endpoint target(asio::ip::make_address("127.0.0.1"),
                                               target_port_);
                pair->server.async_connect(target, [this, pair](asio::error_code ec) {
                    if (ec) {
                        pair->close();
                        return;
                    }
                    pump(pair, pair->client, pair->server, pair->up);
                    pump(pair, pair->server, pair->client, pair->down);
                });
            }
            accept();
        });
    }

    void pump(std::shared_ptr<Pair> pair, asio::ip::tcp::socket& from,
              asio::ip::tcp::socket& to, std::array<char, 16384>& buf) {
        from.async_read_some(asio::buffer(buf), [this, pair, &from, &to, &buf](
                                                    asio::error_code ec, size_t n) {
            if (ec) {
                pair->close();
                return;
            }
            asio::async_write(to, asio::buffer(buf.data(), n),
                              [this, pair, &from, &to, &buf](asio::error_code ec, size_t) {
                                  if (ec) {
                                      pair->close();
                                      return;
                                  }
                                  pump(pair, from, to, buf);
                              });
        });
    }

    void close_all() {
        for (auto& pair : pairs_) {
            pair->close();
        }
        pairs_.clear();
    }

    uint16_t target_port_;
    uint16_t port_ = 0;
    std::atomic<bool> forwarding_{true};
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<Pair>> pairs_;
    std::thread thread_;
};

}  // namespace wd::client::testing
