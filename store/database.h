// Opening PostgreSQL connections. One pqxx::connection belongs to one thread at a time
// (libpqxx's rule); these helpers hold no state and are safe to call from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "common/result.h"
#include "config/secret.h"

namespace cf::store {

// The keywords `conninfo` (URL or key=value form) sets, with their values (libpq's parse: a URL's
// user and password come out as "user" and "password"). Fails with invalid_input when libpq
// cannot parse it (the message never repeats the conninfo, which may hold a password).
Result<std::map<std::string, std::string>> conninfo_values(const std::string& conninfo);

// `conninfo` (URL or key=value form) with the given keywords set or replaced, as a key=value
// string. Fails with invalid_input when libpq cannot parse `conninfo` (the message never
// repeats the conninfo, which may hold a password).
Result<std::string> conninfo_with(const std::string& conninfo,
                                  const std::map<std::string, std::string>& overrides);

// `url` as a key=value string tagged with application_name=clientflow-relay and, unless it sets
// one, a 5-second connect timeout; invalid_input as conninfo_with().
Result<std::string> tagged_conninfo(const Secret& url);

// The unavailable Error for libpq's `reason` why a connection failed.
Error connection_refused(std::string reason);

// A new connection to `url`, tagged with application_name=clientflow-relay and a connect
// timeout; unavailable (with libpq's reason) when the server cannot be reached.
Result<std::unique_ptr<pqxx::connection>> connect(const Secret& url);

// True for errors that mean "the database is not reachable now" rather than "this query is
// wrong": lost connections and the server refusing work (shutdown, too many clients).
bool is_unavailable(const std::exception& e);

// True when PostgreSQL cancelled the statement (SQLSTATE 57014: its statement_timeout, see
// store/tenant_scope.h, or an operator's pg_cancel_backend): the transaction is lost, the
// connection is still good.
bool is_query_cancelled(const std::exception& e);

// The Error for a database exception met while `doing` something: unavailable for lost
// connections (see is_unavailable), internal otherwise.
Error database_error(const std::exception& e, const std::string& doing);

}  // namespace cf::store
