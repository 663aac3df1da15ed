// How deeply a JSON text nests, found by one linear scan that neither parses nor recurses, so a
// hostile body can be refused before any parser or recursive function sees it. Brackets inside
// strings (escapes included) do not count; the text need not be valid JSON. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace cf {

// True when no array or object in `text` lies more than `max_depth` levels deep
// ("[]" is depth 1, "{\"a\":[1]}" depth 2). Stops scanning at the first level past the limit.
bool json_depth_within(std::string_view text, int max_depth);

// The one wording of that refusal, for webhook details and API errors alike:
// "body nested deeper than 64 levels".
std::string too_deep_message(int max_depth);

}  // namespace cf
