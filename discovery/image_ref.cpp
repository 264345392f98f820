#include "discovery/image_ref.hpp"

#include <sys/utsname.h>

#include <algorithm>

#include "appc/identifier.hpp"
#include "appc/label.hpp"
#include "common/text.hpp"

namespace aciswarm::discovery {
namespace {

Error bad(std::string_view argument, std::string_view why) {
    return make_error(Errc::invalid_argument,
                      "image '" + escape_control(argument) + "': " + std::string(why));
}

}  // namespace

std::optional<std::string_view> ImageRef::label(std::string_view label_name) const {
    for (const Label& l : labels) {
        if (l.name == label_name) return std::string_view(l.value);
    }
    return std::nullopt;
}

std::string ImageRef::to_string() const {
    std::string out = name;
    for (const Label& l : labels)
        out += "," + l.name + "=" + l.value;
    return out;
}

Result<ImageRef> parse_image_ref(std::string_view argument) {
    if (argument.empty()) return bad(argument, "empty");
    const std::size_t comma = argument.find(',');
    std::string_view head = argument.substr(0, comma);
    const std::string_view rest =
        comma == std::string_view::npos ? std::string_view{} : argument.substr(comma + 1);
    if (rest.find(':') != std::string_view::npos) {
        return bad(argument, "':' may only appear once, before the first ','");
    }

    ImageRef ref;
    const std::size_t colon = head.find(':');
    if (colon != std::string_view::npos && head.find(':', colon + 1) != std::string_view::npos) {
        return bad(argument, "more than one ':'");
    }
    const std::string_view name = head.substr(0, colon);
    if (!appc::is_ac_identifier(name)) {
        return bad(argument, "name '" + escape_control(name) + "' " +
                                 appc::ac_identifier_problem(name) + "; " +
                                 std::string(appc::ac_identifier_rule));
    }
    ref.name = std::string(name);

    auto add = [&](std::string_view label_name, std::string_view value) -> Status {
        if (const std::string problem = appc::label_name_problem(label_name); !problem.empty()) {
            return bad(argument, "label name '" + escape_control(label_name) + "' " + problem +
                                     " (label names follow the same rule as image names: " +
                                     std::string(appc::ac_identifier_rule) + ")");
        }
        if (label_name == "ext") {  // discovery templates' {ext} is the file type
            return bad(argument, "'ext' is not a label");
        }
        if (value.empty()) {
            return bad(argument, "label '" + std::string(label_name) + "' has an empty value");
        }
        if (value.find_first_of("{}") != std::string_view::npos) {
            return bad(argument, "label '" + std::string(label_name) + "' holds '{' or '}'");
        }
        if (ref.label(label_name)) {
            return bad(argument, "label '" + std::string(label_name) + "' given twice");
        }
        ref.labels.push_back(Label{std::string(label_name), std::string(value)});
        return {};
    };

    if (colon != std::string_view::npos) {
        if (auto s = add("version", head.substr(colon + 1)); !s) return std::move(s).error();
    }
    if (comma != std::string_view::npos) {
        std::string_view list = rest;
        while (true) {
            const std::size_t next = list.find(',');
            const std::string_view item = list.substr(0, next);
            const std::size_t eq = item.find('=');
            if (eq == std::string_view::npos) {
                return bad(argument, "'" + std::string(item) + "' is not label=value");
            }
            if (auto s = add(item.substr(0, eq), item.substr(eq + 1)); !s) {
                return std::move(s).error();
            }
            if (next == std::string_view::npos) break;
            list = list.substr(next + 1);
        }
    }
    return ref;
}

std::string appc_arch_from_machine(std::string_view machine) {
    if (machine == "x86_64" || machine == "amd64") return "amd64";
    if (machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686" ||
        machine == "386") {
        return "i386";
    }
    if (machine == "aarch64" || machine == "arm64") return "aarch64";
    if (machine == "aarch64_be") return "aarch64_be";
    if (machine == "armv7l" || machine == "armv7" || machine == "arm") return "armv7l";
    if (machine == "armv6l" || machine == "armv6") return "armv6l";
    if (machine == "ppc64le") return "ppc64le";
    if (machine == "ppc64") return "ppc64";
    if (machine == "s390x") return "s390x";
    return std::string(machine);
}

Platform host_platform() {
    Platform p;
    // The kernel's name lower-cased is appc's os spelling ("Linux" -> "linux",
    // "FreeBSD" -> "freebsd", "Darwin" -> "darwin"); a binary runs only on the
    // OS it was built for, so this is the build's OS as well.
    struct utsname host {};
    p.os = ::uname(&host) == 0 ? ascii_lower(host.sysname) : "unknown";
#if defined(__x86_64__)
    p.arch = "amd64";
#elif defined(__i386__)
    p.arch = "i386";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
    p.arch = "aarch64_be";
#elif defined(__aarch64__)
    p.arch = "aarch64";
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
    p.arch = "armv7l";
#elif defined(__arm__)
    p.arch = "armv6l";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    p.arch = "ppc64le";
#elif defined(__powerpc64__)
    p.arch = "ppc64";
#elif defined(__s390x__)
    p.arch = "s390x";
#else
    p.arch = "unknown";
#endif
    return p;
}

ImageRef with_defaults(const ImageRef& ref, const Platform& platform) {
    ImageRef out = ref;
    if (!out.label("version")) out.labels.push_back(Label{"version", "latest"});
    if (!out.label("os")) out.labels.push_back(Label{"os", platform.os});
    if (!out.label("arch")) out.labels.push_back(Label{"arch", platform.arch});
    return out;
}

}  // namespace aciswarm::discovery
