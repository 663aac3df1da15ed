#include "store/ingest_statements.h"

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "store/queries.h"

namespace cf::store::ingest_statements {

namespace {

// Name in the session -> statement. pg_ingest_store explains every ingest_% one.
const std::vector<std::pair<const char*, std::string_view>>& statements() {
  static const std::vector<std::pair<const char*, std::string_view>> all{
      {"ingest_lock_people", sql::lock_people},
      {"ingest_read", sql::ingest_read},
      {"ingest_claim_rule_fingerprints", sql::ingest_claim_rule_fingerprints},
      {"ingest_write_batch", sql::ingest_write_batch},
      {"ingest_route_waiting", sql::ingest_route_waiting},
      {"replay_select", sql::replay_select},
      {"replay_select_ids", sql::replay_select_ids},
      {"replay_update_events", sql::replay_update_events},
  };
  return all;
}

}  // namespace

void prepare(pqxx::transaction_base& tx) {
  std::set<std::string> prepared;
  for (const auto& row : tx.exec("SELECT name FROM pg_prepared_statements")) prepared.insert(row[0].as<std::string>());
  for (const auto& [name, sql] : statements()) {
    if (prepared.count(name) == 0) tx.exec0(std::string("PREPARE ") + name + " AS " + std::string(sql));
  }
}

std::string execute(pqxx::transaction_base& tx, const char* name, std::initializer_list<std::string> args) {
  std::string sql = std::string("EXECUTE ") + name + "(";
  const char* separator = "";
  for (const auto& arg : args) {
    sql += separator + tx.quote(arg);
    separator = ", ";
  }
  return sql + ")";
}

bool not_prepared(const pqxx::sql_error& error) { return error.sqlstate() == "26000"; }

}  // namespace cf::store::ingest_statements
