// An appc image argument, as `rkt fetch` takes it: name[:version][,label=value]*.
//
//   example.com/app:1.0,os=linux,channel=beta
//   -> name "example.com/app", labels [version=1.0, os=linux, channel=beta]
//
// Labels keep the order they were given in ("version" from ':' first). Rendering
// discovery templates fills in version=latest and the host's os and arch when
// the argument does not give them (with_defaults).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::discovery {

struct Label {
    std::string name;
    std::string value;
    bool operator==(const Label&) const = default;
};

struct ImageRef {
    std::string name;
    std::vector<Label> labels;  // in the order given; names are unique

    // The value of a label, or nullopt.
    std::optional<std::string_view> label(std::string_view label_name) const;
    // "name,version=1.0,os=linux": a stable spelling for messages.
    std::string to_string() const;
    bool operator==(const ImageRef&) const = default;
};

// Parses name[:version][,label=value]*. At most one ':', and only before the
// first ','. ":v" means version=v. Fails (naming the argument) on a name that
// is not an AC Identifier, a label name that breaks appc's label rule
// (appc/label.hpp) or is "ext", an empty value, a label given twice (":v" and
// ",version=" count as the same label), or a value holding '{' or '}'.
Result<ImageRef> parse_image_ref(std::string_view argument);

// The host in appc spelling (spec/types.md): os "linux"; arch "amd64", "i386",
// "aarch64", "armv7l", ... for the architecture this binary was built for, as
// rkt uses its own build's GOOS/GOARCH.
struct Platform {
    std::string os;
    std::string arch;
};
Platform host_platform();

// Maps a `uname -m` machine name to appc's arch spelling (x86_64 -> amd64,
// i686 -> i386, arm64 -> aarch64, ...); unknown names pass through unchanged.
std::string appc_arch_from_machine(std::string_view machine);

// A copy with version=latest, os and arch added (after the given labels) when missing.
ImageRef with_defaults(const ImageRef& ref, const Platform& platform);

}  // namespace aciswarm::discovery
