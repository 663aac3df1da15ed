// The statements of ingest and replay (queries/lock_people.sql, queries/ingest_*.sql,
// queries/replay_*.sql), prepared once per database session with SQL PREPARE and run as SQL
// EXECUTE: so several of them share one round trip ("BEGIN; lock; read", "write; COMMIT") and
// still keep their plans, as protocol-level prepared statements would. A string of several
// statements cannot carry bind parameters, so arguments travel as literals quoted by libpqxx.
// Free functions on the caller's connection, one thread at a time.
#pragma once

#include <initializer_list>
#include <string>

#include <pqxx/pqxx>

namespace cf::store::ingest_statements {

// PREPAREs those of the statements this session has not prepared yet (one round trip more).
void prepare(pqxx::transaction_base& tx);

// "EXECUTE name(arg, ...)", each argument quoted as a literal by libpqxx, to send alone or
// joined with others by "; ".
std::string execute(pqxx::transaction_base& tx, const char* name, std::initializer_list<std::string> args);

// True when an EXECUTE named a statement this session has not prepared (SQLSTATE 26000).
bool not_prepared(const pqxx::sql_error& error);

}  // namespace cf::store::ingest_statements
