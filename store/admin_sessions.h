// AdminSessions: the server side of the admin page's sessions, one generation number shared by
// every daemon on the database (table admin_session_generation, one row). A session cookie names
// the generation it was issued in (daemon/admin_session.h) and holds only while it is current;
// end_all() moves it on, which ends every session everywhere. System role; uses the connection it
// is given, from one thread; database failures throw pqxx errors.
#pragma once

#include <pqxx/pqxx>

namespace cf::store {

class AdminSessions {
 public:
  explicit AdminSessions(pqxx::connection& connection) : connection_(connection) {}

  // The generation new sessions are issued in, and older ones are not.
  long long current();
  // Ends every session: the generation moves on (returned), and ended_at records when.
  long long end_all();

 private:
  pqxx::connection& connection_;
};

}  // namespace cf::store
