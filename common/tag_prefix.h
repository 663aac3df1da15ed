// TagPrefix: the unique `ib-<id>-` string that starts every Systeme.io tag of one tenant (IB).
// A valid prefix matches ^ib-[a-z0-9]{3,32}-$, so a tag names at most one prefix: the text
// up to the second '-'. Plain values, safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cf {

class TagPrefix {
 public:
  // A fresh prefix as in the design: "ib-" + 8 CSPRNG characters from [a-z0-9] + "-".
  static TagPrefix generate();

  // Checks a prefix given by an operator (`--prefix`). Fails with invalid_input naming the rule
  // when `text` does not match ^ib-[a-z0-9]{3,32}-$ exactly (no trimming, no case folding).
  static Result<TagPrefix> parse(std::string_view text);

  // The prefix-shaped start of a tag (`ib-[a-z0-9]{3,32}-`, any case), lower-cased; nullopt when
  // the tag does not start with one. This says which tenant a tag claims, not that it exists.
  static std::optional<TagPrefix> of_tag(std::string_view tag);
  // True when a prefix-shaped part (`ib-[a-z0-9]{3,32}-`, any case) starts anywhere in `text`. A
  // tag that holds one after its first character holds the name of another tenant's tag, and a
  // substring search for that tag (Systeme.io's GET /tags?query=) finds it too.
  static bool found_in(std::string_view text);

  const std::string& str() const { return text_; }
  // The tag this prefix gives `suffix` (for example "demo-request").
  std::string tag(std::string_view suffix) const { return text_ + std::string(suffix); }

  friend bool operator==(const TagPrefix& a, const TagPrefix& b) { return a.text_ == b.text_; }
  friend bool operator!=(const TagPrefix& a, const TagPrefix& b) { return a.text_ != b.text_; }

 private:
  explicit TagPrefix(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace cf
