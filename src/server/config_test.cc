#include "server/config.h"

#include <gtest/gtest.h>

namespace wd::server {
namespace {

TEST(Config, ParsesZooKeeperKeys) {
    auto c = parse_config(
        "# comment\n"
        "tickTime=1000\n"
        "dataDir=/tmp/x\n"
        "clientPort=2182\n"
        "maxClientCnxns=5\n"
        "zookeeper.extendedTypesEnabled=true\n"
        "4lw.commands.whitelist=ruok, srvr\n"
        "initLimit=10\n"
        "DigestAuthenticationProvider.superDigest=super:abc=\n",
        "zoo.cfg");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->tick_time_ms, 1000);
    EXPECT_EQ(c->data_dir, "/tmp/x");
    EXPECT_EQ(c->data_log_dir, "/tmp/x");
    EXPECT_EQ(c->client_port, 2182);
    EXPECT_EQ(c->max_client_cnxns, 5);
    EXPECT_TRUE(c->extended_types_enabled);
    EXPECT_TRUE(c->four_letter_allowed("ruok"));
    EXPECT_TRUE(c->four_letter_allowed("srvr"));
    EXPECT_FALSE(c->four_letter_allowed("mntr"));
    EXPECT_EQ(c->min_session_timeout(), 2000);
    EXPECT_EQ(c->max_session_timeout(), 20000);
    EXPECT_EQ(c->super_digest, "super:abc=");
    ASSERT_EQ(c->notes.size(), 1u);
    EXPECT_EQ(c->notes[0], "zoo.cfg:8: ignoring initLimit (not implemented by Warden)");
}

TEST(Config, ParsesEnsembleLines) {
    auto c = parse_config(
        "dataDir=/tmp/x\n"
        "syncLimit=3\n"
        "server.3=10.0.0.3:2888:3888:observer;127.0.0.1:2183\n"
        "server.1=host-a:2888:3888\n"
        "server.2=host-b:2889:3889:participant;2182\n",
        "zoo.cfg");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->ensemble());
    EXPECT_EQ(c->sync_limit, 3);
    ASSERT_EQ(c->servers.size(), 3u);
    EXPECT_EQ(c->servers[0].id, 1);
    EXPECT_EQ(c->servers[0].host, "host-a");
    EXPECT_EQ(c->servers[0].peer_port, 2888);
    EXPECT_EQ(c->servers[0].client_port, 0);
    EXPECT_EQ(c->servers[1].client_port, 2182);
    EXPECT_EQ(c->servers[1].client_host, "");
    EXPECT_FALSE(c->servers[1].observer);
    EXPECT_TRUE(c->servers[2].observer);
    EXPECT_EQ(c->servers[2].client_host, "127.0.0.1");
    c->my_id = 3;
    ASSERT_TRUE(resolve_ensemble(*c, "zoo.cfg").ok());
    EXPECT_TRUE(c->peer_type_observer);
    EXPECT_EQ(c->client_port, 2183);
    EXPECT_EQ(c->client_port_address, "127.0.0.1");
    c->my_id = 4;
    auto missing = resolve_ensemble(*c, "zoo.cfg");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(), "zoo.cfg: myid 4 names no server.N line");
}

TEST(Config, OneServerLineIsStandaloneUnlessDisabled) {
    auto c = parse_config("dataDir=/tmp/x\nserver.1=127.0.0.1:2888:3888\n", "zoo.cfg");
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->ensemble());
    c = parse_config("dataDir=/tmp/x\nstandaloneEnabled=false\nserver.1=127.0.0.1:2888:3888\n",
                     "zoo.cfg");
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->ensemble());
}

TEST(Config, BadServerLinesNameTheLine) {
    const char* bad[] = {
        "server.0=h:1:2", "server.x=h:1:2", "server.1=h:1", "server.1=h:1:2:leader",
        "server.1=h:99999:2", "server.1=h:1:2;notaport", "server.1=:1:2",
    };
    for (const char* line : bad) {
        auto c = parse_config(std::string("dataDir=/tmp/x\n") + line + "\n", "zoo.cfg");
        ASSERT_FALSE(c.ok()) << line;
        EXPECT_TRUE(c.error().message().starts_with("zoo.cfg:2: ")) << c.error().message();
    }
    auto twice = parse_config("dataDir=/x\nserver.1=h:1:2\nserver.1=h:3:4\n", "zoo.cfg");
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().message(), "zoo.cfg:3: server.1 given twice");
}

TEST(Config, MalformedLineNamesTheLine) {
    auto c = parse_config("tickTime=2000\ndataDir=/tmp/x\nthis is not a key value\n", "a.cfg");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message(), "a.cfg:3: expected key=value, got 'this is not a key value'");
}

TEST(Config, BadValueNamesTheLine) {
    auto c = parse_config("dataDir=/tmp/x\ntickTime=fast\n", "a.cfg");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message(), "a.cfg:2: invalid value 'fast' for tickTime");
    auto port = parse_config("dataDir=/tmp/x\nclientPort=70000\n", "a.cfg");
    ASSERT_FALSE(port.ok());
    EXPECT_EQ(port.error().message(), "a.cfg:2: clientPort out of range: 70000");
    auto flag = parse_config("dataDir=/tmp/x\nenforceQuota=maybe\n", "a.cfg");
    ASSERT_FALSE(flag.ok());
    EXPECT_NE(flag.error().message().find("a.cfg:2:"), std::string::npos);
    auto spin = parse_config("dataDir=/tmp/x\nwarden.eventLoopSpinMicros=-1\n", "a.cfg");
    ASSERT_FALSE(spin.ok());
    EXPECT_EQ(spin.error().message(), "a.cfg:2: invalid value '-1' for warden.eventLoopSpinMicros");
}

TEST(Config, EventLoopSpin) {
    auto by_default = parse_config("dataDir=/tmp/x\n", "a.cfg");
    ASSERT_TRUE(by_default.ok());
    EXPECT_EQ(by_default->event_loop_spin(), 50);
    auto ensemble = parse_config("dataDir=/tmp/x\nserver.1=127.0.0.1:2888:3888\n"
                                 "server.2=127.0.0.1:2889:3889\n", "a.cfg");
    ASSERT_TRUE(ensemble.ok()) << ensemble.error().to_string();
    EXPECT_EQ(ensemble->event_loop_spin(), 0);
    auto off = parse_config("dataDir=/tmp/x\nwarden.eventLoopSpinMicros=0\n", "a.cfg");
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(off->event_loop_spin(), 0);
    EXPECT_TRUE(off->notes.empty());
}

TEST(Config, RequiresDataDirAndOrderedTimeouts) {
    EXPECT_FALSE(parse_config("tickTime=2000\n", "a.cfg").ok());
    auto c = parse_config("dataDir=/x\nminSessionTimeout=9000\nmaxSessionTimeout=4000\n", "a");
    EXPECT_FALSE(c.ok());
}

TEST(Config, ExampleConfigParsesWithoutNotes) {
    auto c = load_config(WD_SOURCE_DIR "/conf/zoo.cfg");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_EQ(c->data_dir, "/var/lib/warden");
    EXPECT_TRUE(c->notes.empty());
}

TEST(Config, DefaultConfigParses) {
    auto c = parse_config(default_config_text(), "default");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->client_port, 2181);
    EXPECT_EQ(c->client_port_address, "127.0.0.1");
    EXPECT_TRUE(c->notes.empty());
}

}  // namespace
}  // namespace wd::server
