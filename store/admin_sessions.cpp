#include "store/admin_sessions.h"

namespace cf::store {

long long AdminSessions::current() {
  pqxx::read_transaction tx(connection_);
  return tx.exec1("SELECT generation FROM admin_session_generation")[0].as<long long>();
}

long long AdminSessions::end_all() {
  pqxx::work tx(connection_);
  const auto generation =
      tx.exec1("UPDATE admin_session_generation SET generation = generation + 1, ended_at = now() RETURNING generation")[0]
          .as<long long>();
  tx.commit();
  return generation;
}

}  // namespace cf::store
