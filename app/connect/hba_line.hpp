// The client address a server message names, and the pg_hba.conf line offered for it.
#pragma once

#include <string>

namespace app {

// A client address as pg_hba.conf and the explanations need it.
struct Address {
    int family = 0;  // AF_INET, AF_INET6, or 0 for a host name / nothing
    std::string text;
    bool loopback = false;
    std::string network;  // the /24 (IPv4) or /64 (IPv6) around it, "" for names and loopback
};

Address parseAddress(const std::string& text);
// The address with its host prefix (/32, /128), a host name as is, or the placeholder when unknown.
std::string withPrefix(const Address& a);

// What the offered line has where the client address is unknown or unsafe to write.
inline constexpr const char* kHbaAddressPlaceholder = "<client-address>/32";

// The pg_hba.conf line a diagnosis offers: `<type> <database> <user> <address> scram-sha-256`, e.g.
// "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256"; a `local` line has no address
// (`address` is ignored). Always one line of exactly those fields, whatever the names hold (they come
// from the settings and from the server's text):
// - a name pg_hba.conf would read otherwise bare (a blank, ',', '#', '"', a non-ASCII byte, a leading
//   '+', '@' or '/', a keyword such as all or replication) is double-quoted with '"' doubled, which
//   pg_hba.conf reads back as exactly that name;
// - an empty name, or one with a control character (a newline would start a second line), cannot be
//   written there at all and becomes the placeholder <database> or <user>;
// - the address must be an IP address with its prefix length (203.0.113.25/32, 2001:db8::/64) or a
//   host name of letters, digits, '.', '-' and '_'; anything else becomes <client-address>/32.
std::string hbaLine(const std::string& type, const std::string& database, const std::string& user,
                    const std::string& address);

}  // namespace app
