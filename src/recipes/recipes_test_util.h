// Test support for the recipes: sessions on the shared wardend (client/test_server.h), a way to
// expire a session from outside, and bounded polling.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "client/sync_client_asio.h"

namespace wd::recipes::testing {

// A connected client on the shared server; null (and a test failure) if it cannot connect.
std::unique_ptr<client::SyncClient> connect(int32_t session_timeout_ms = 4'000);
// Expires `victim`'s session the way Curator's tests do: a second client attaches to the same
// session (id and password) and closes it. The victim finds out when it reconnects.
bool expire_session(client::SyncClient& victim);
// Polls `pred` every 10 ms; false after timeout_ms.
bool eventually(const std::function<bool()>& pred, int64_t timeout_ms = 20'000);
// A fresh path per test: "/recipes-test/<name>-<n>".
std::string unique_path(const std::string& name);

}  // namespace wd::recipes::testing
