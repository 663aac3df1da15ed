// Runs the statements that store/queries/ embeds (cf::store::sql, each a std::string_view) in a
// libpqxx 6.4 transaction, whose exec_params takes a std::string. exec_statement() returns the
// rows; exec_statement1() the one row, throwing pqxx::unexpected_rows when there is not exactly
// one. Errors are libpqxx's exceptions, as with exec_params. Use from the transaction's thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <pqxx/pqxx>

namespace cf::store {

template <typename... Args>
pqxx::result exec_statement(pqxx::transaction_base& tx, std::string_view statement, Args&&... args) {
  return tx.exec_params(std::string(statement), std::forward<Args>(args)...);
}

template <typename... Args>
pqxx::row exec_statement1(pqxx::transaction_base& tx, std::string_view statement, Args&&... args) {
  return tx.exec_params1(std::string(statement), std::forward<Args>(args)...);
}

}  // namespace cf::store
