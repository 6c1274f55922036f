// The diagnosis table's rows for the managed SSH tunnel (see diagnosis.hpp).
#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis.hpp"
#include "app/connect/ssh_tunnel.hpp"

namespace app {

namespace {

std::string sshHost(const DiagnosisContext& c) {
    auto target = parseSshTarget(c.sshTarget);
    return target ? target->destination.substr(target->destination.find('@') + 1) : "<ssh host>";
}

std::string manualCommand(const DiagnosisContext& c) {
    return externalTunnelCommand(manualTunnelSpec(c.sshTarget, c.remoteHost, c.remotePort, c.tunnelLocalPort));
}

}  // namespace

Diagnosis diagnoseTunnelFailure(DiagnosisKind kind, const std::string& message, const std::string& sshOutput,
                                const DiagnosisContext& c) {
    Diagnosis d;
    d.kind = kind;
    d.raw = sshOutput.empty() ? message : sshOutput;
    const std::string host = sshHost(c);
    if (kind == DiagnosisKind::SshAuthFailed) {
        d.title =
            "ssh refused the key for " + (c.sshTarget.empty() ? std::string("the tunnel") : c.sshTarget);
        d.explanation =
            "The SSH server was reached, but it accepted none of the keys offered. The tunnel runs ssh in "
            "batch mode, "
            "so it cannot ask for a passphrase or a password: the key must be in ssh-agent or given as an "
            "identity "
            "file without a prompt, and its public half must be in the account's authorized_keys on " +
            host + ".";
        d.fixes = {{"Load your key into the agent", "ssh-add ~/.ssh/id_ed25519"},
                   {"Or name the key explicitly", "export STAGE1_SSH_IDENTITY=~/.ssh/id_ed25519"},
                   {"Install the public key on the SSH host (once)", "ssh-copy-id " + c.sshTarget},
                   {"Test the login by hand", "ssh -v " + c.sshTarget + " true"}};
    } else if (kind == DiagnosisKind::SshHostKeyChanged) {
        d.title = "The SSH host key of " + host + " is not the one on record";
        d.explanation =
            "ssh keeps host-key checking on: a key that differs from known_hosts means either the server was "
            "reinstalled or something is intercepting the connection. The tunnel will not bypass this. "
            "Confirm the "
            "new fingerprint with the server's administrator out of band, then replace the old entry.";
        d.fixes = {{"Show the key the server presents now",
                    "ssh-keyscan -t ed25519 " + host + " | ssh-keygen -lf -"},
                   {"After confirming it, forget the old key", "ssh-keygen -R " + host},
                   {"Then connect once by hand to record the new one", "ssh " + c.sshTarget + " true"}};
    } else if (kind == DiagnosisKind::SshUnsafeSettings) {
        d.title = "The SSH settings would turn host-key checking off";
        d.explanation =
            "The app only runs its tunnel with host keys checked (StrictHostKeyChecking yes or accept-new, "
            "and a real known_hosts file), so a man in the middle cannot pose as " +
            host + ". The settings named below would switch that off, so ssh was not started.";
        d.fixes = {{"See what ssh would use for this host",
                    "ssh -G " + c.sshTarget + " | grep -Ei 'stricthostkeychecking|knownhostsfile'"},
                   {"Use a real known_hosts file", "export STAGE1_SSH_KNOWN_HOSTS=~/.ssh/known_hosts"}};
    } else if (kind == DiagnosisKind::TunnelPortBusy) {
        d.title = "Local port " + std::to_string(c.tunnelLocalPort) + " is already in use";
        d.explanation = "The tunnel listens on 127.0.0.1:" + std::to_string(c.tunnelLocalPort) +
                        ", but another program holds that port: an earlier tunnel still running, another "
                        "client's tunnel, or a "
                        "local PostgreSQL. Stop it, or pick another local port (leave it unset and a free "
                        "one is chosen).";
        d.fixes = {
            {"See who holds the port", "ss -ltnp 'sport = :" + std::to_string(c.tunnelLocalPort) + "'"},
            {"Use another local port", "export STAGE1_TUNNEL_LOCAL_PORT=5434"}};
    } else if (kind == DiagnosisKind::SshUnreachable) {
        d.title = "Cannot reach the SSH server " + host;
        d.explanation = "ssh could not open a connection to " + host +
                        ": the name does not resolve, nothing listens on the SSH port, or a firewall drops "
                        "the packets. The "
                        "database is not involved yet.";
        d.fixes = {{"Check the SSH server by hand", "ssh -v " + c.sshTarget + " true"},
                   {"Check name resolution", "getent hosts " + host}};
    } else {
        d.kind = DiagnosisKind::TunnelDown;
        d.title = "The SSH tunnel went down";
        d.explanation =
            "The ssh process that carries the tunnel exited or stopped answering. The window restarts its "
            "own "
            "tunnel automatically; an external tunnel must be restarted by hand.";
        d.fixes = {
            {"Run the tunnel by hand (external tunnel mode)", manualCommand(c)},
            {"Then point the app at it", "export STAGE1_POSTGRES_HOST=127.0.0.1 STAGE1_POSTGRES_PORT=" +
                                             std::to_string(c.tunnelLocalPort)}};
    }
    if (!message.empty() && d.raw != message) d.raw = message + "\n" + d.raw;
    return d;
}

}  // namespace app
