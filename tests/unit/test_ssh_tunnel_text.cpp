// What ssh prints, classified; the command the app runs and the one it offers to copy.
#include <doctest/doctest.h>

#include <algorithm>

#include "app/connect/ssh_tunnel.hpp"

namespace {

std::string kindOf(const std::string& sshOutput) {
    return std::string(app::kindName(app::classifySshFailure(sshOutput)));
}

}  // namespace

TEST_CASE("ssh's messages map to the tunnel kinds") {
    CHECK(kindOf("analyst@203.0.113.7: Permission denied (publickey).") == "ssh_auth_failed");
    CHECK(kindOf("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                 "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
                 "Host key verification failed.") == "ssh_host_key_changed");
    CHECK(kindOf("Host key verification failed.") == "ssh_host_key_changed");
    CHECK(kindOf("bind [127.0.0.1]:5433: Address already in use\n"
                 "channel_setup_fwd_listener_tcpip: cannot listen to port: 5433\n"
                 "Could not request local forwarding.") == "tunnel_port_busy");
    CHECK(kindOf("ssh: connect to host 203.0.113.7 port 22: Connection refused") == "ssh_unreachable");
    CHECK(kindOf("ssh: Could not resolve hostname jump: Name or service not known") == "ssh_unreachable");
    CHECK(kindOf("") == "tunnel_down");
}

TEST_CASE("the ssh command keeps host-key checking on and binds loopback only") {
    app::TunnelSpec spec;
    spec.destination = "analyst@jump.example.internal";
    spec.sshPort = 2222;
    spec.localPort = 6543;
    spec.identityFile = "/home/analyst/.ssh/id_ed25519";
    app::SshTunnel tunnel(spec);
    auto args = tunnel.arguments();
    auto has = [&](const std::string& a) { return std::find(args.begin(), args.end(), a) != args.end(); };
    CHECK(has("-N"));
    CHECK(has("127.0.0.1:6543:127.0.0.1:5432"));
    CHECK(has("ExitOnForwardFailure=yes"));
    CHECK(has("BatchMode=yes"));
    CHECK(has("StrictHostKeyChecking=accept-new"));
    CHECK(has("ServerAliveInterval=10"));
    CHECK(has("IdentitiesOnly=yes"));
    CHECK(has("2222"));
    CHECK(args.back() == "analyst@jump.example.internal");
    for (const auto& a : args) {
        CHECK(a.find("StrictHostKeyChecking=no") == std::string::npos);
        CHECK(a.find("UserKnownHostsFile=/dev/null") == std::string::npos);
    }
    CHECK(app::externalTunnelCommand(spec) ==
          "ssh -N -L 127.0.0.1:6543:127.0.0.1:5432 -p 2222 -i /home/analyst/.ssh/id_ed25519 "
          "analyst@jump.example.internal");
}
