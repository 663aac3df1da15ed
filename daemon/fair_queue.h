// FairQueue: items waiting in lanes (the tenant API gives each tenant its own), taken so that no
// lane's backlog delays another lane by more than one of its items. Each lane's items come out in
// the order they went in; among the lanes with items waiting, the one whose last turn is the
// longest ago goes first, and a lane that has had no turn while it had anything waiting or
// running (a new one) goes before every lane that has. So an item waits for what is already
// taken (running) plus at most one item of each other lane, however many items those lanes hold.
// A lane is remembered while it has an item waiting or taken and not yet done(), so memory holds
// only busy lanes. A plain value: not safe across threads (DbExecutor guards it with its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace cf::daemon {

template <typename T>
class FairQueue {
 public:
  struct Taken {
    std::string lane;  // give it back to done() once the item has been dealt with
    T item;
  };

  // Adds `item` at the end of `lane`.
  void push(const std::string& lane, T item) {
    Lane& entry = lanes_[lane];
    if (entry.waiting.empty()) enter_turns(lane, entry);
    entry.waiting.push_back(std::move(item));
    ++size_;
  }

  // The first item of the lane whose turn it is, or nullopt when nothing waits. The lane counts
  // it as running until done(lane).
  std::optional<Taken> take() {
    if (turns_.empty()) return std::nullopt;
    const auto first = turns_.begin();
    std::string lane = first->second;
    turns_.erase(first);
    Lane& entry = lanes_.at(lane);
    Taken taken{lane, std::move(entry.waiting.front())};
    entry.waiting.pop_front();
    ++entry.running;
    entry.last_turn = ++turn_;
    if (!entry.waiting.empty()) enter_turns(lane, entry);
    --size_;
    return taken;
  }

  // An item taken from `lane` has been dealt with.
  void done(const std::string& lane) {
    const auto found = lanes_.find(lane);
    if (found == lanes_.end()) return;
    if (found->second.running > 0) --found->second.running;
    if (found->second.running == 0 && found->second.waiting.empty()) lanes_.erase(found);
  }

  // Items waiting, in all lanes.
  std::size_t size() const { return size_; }
  // Lanes remembered (with an item waiting or running).
  std::size_t lanes() const { return lanes_.size(); }

 private:
  struct Lane {
    std::deque<T> waiting;
    int running = 0;
    std::uint64_t last_turn = 0;  // 0: none while remembered
  };
  // (last turn, order of entry): the lanes with items waiting, the next to take first.
  using TurnKey = std::pair<std::uint64_t, std::uint64_t>;

  void enter_turns(const std::string& lane, const Lane& entry) { turns_.emplace(TurnKey{entry.last_turn, ++entries_}, lane); }

  std::unordered_map<std::string, Lane> lanes_;
  std::map<TurnKey, std::string> turns_;
  std::uint64_t turn_ = 0;
  std::uint64_t entries_ = 0;
  std::size_t size_ = 0;
};

}  // namespace cf::daemon
