#include "agent/cli/cli.hpp"

#include <ostream>
#include <vector>

#include "common/options.hpp"
#include "common/text.hpp"

namespace aciswarm::agent {
namespace {

constexpr std::string_view program_examples =
    "\nexamples:\n"
    "  aciswarm fetch example.com/app:1.0       # fetch an image by its appc name\n"
    "  aciswarm image list                      # what the store holds\n"
    "  aciswarm help fetch                      # one command's options\n";

void print_command_list(std::ostream& out, std::string_view group) {
    for (const Command& c : commands()) {
        if (!group.empty() && !c.name.starts_with(std::string(group) + " ")) continue;
        std::string line(c.name);
        if (line.size() < 20) line.resize(20, ' ');
        line = "  " + line + "  " + std::string(c.summary);
        out << wrap_text(line, help_width, 24) << "\n";
    }
}

void print_usage(std::ostream& out) {
    out << "usage: aciswarm [-v] COMMAND [ARGS]\n"
           "\nDistributes container images (appc ACIs, OCI blobs) over BitTorrent.\n\ncommands:\n";
    print_command_list(out, {});
    out << "\n'aciswarm COMMAND --help' or 'aciswarm help COMMAND' describes a command.\n"
        << program_examples;
}

// The words of a command's name: "image list" -> {"image", "list"}.
std::vector<std::string_view> words_of(std::string_view name) {
    std::vector<std::string_view> words;
    while (!name.empty()) {
        const std::size_t sp = name.find(' ');
        words.push_back(name.substr(0, sp));
        name = sp == std::string_view::npos ? std::string_view{} : name.substr(sp + 1);
    }
    return words;
}

// A group is the first word of a nested command ("image" of "image list").
bool is_group(std::string_view word) {
    for (const Command& c : commands()) {
        auto w = words_of(c.name);
        if (w.size() > 1 && w.front() == word) return true;
    }
    return false;
}

void print_group_usage(std::ostream& out, std::string_view group) {
    out << "usage: aciswarm " << group << " COMMAND [ARGS]\n\ncommands:\n";
    print_command_list(out, group);
    std::string first_sub;
    for (const Command& c : commands()) {
        auto w = words_of(c.name);
        if (w.size() > 1 && w.front() == group) {
            first_sub = std::string(w[1]);
            break;
        }
    }
    out << "\n'aciswarm " << group << " COMMAND --help' describes a command.\n"
        << "\nexamples:\n"
        << "  aciswarm " << group << " " << first_sub << "\n"
        << "  aciswarm " << group << " " << first_sub << " --help\n";
}

// The command whose name matches the most leading words of args[i...].
const Command* match_command(std::span<const std::string> args, std::size_t i,
                             std::size_t& words_used) {
    const Command* best = nullptr;
    words_used = 0;
    for (const Command& c : commands()) {
        const auto words = words_of(c.name);
        bool match = i + words.size() <= args.size();
        for (std::size_t k = 0; match && k < words.size(); ++k)
            match = args[i + k] == words[k];
        if (match && words.size() > words_used) {
            best = &c;
            words_used = words.size();
        }
    }
    return best;
}

bool asks_for_help(std::span<const std::string> args) {
    for (const std::string& a : args) {
        if (a == "--") return false;
        if (a == "-h" || a == "--help") return true;
    }
    return false;
}

}  // namespace

std::vector<OptionSpec> with_common_flags(std::vector<OptionSpec> own) {
    own.push_back({"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'});
    own.push_back({"help", OptionSpec::Kind::flag, "show this help", "", 'h'});
    return own;
}

std::optional<ParsedOptions> parse_command(const OptionParser& parser,
                                           std::span<const std::string> args, CliContext& ctx,
                                           int& exit_code, std::string_view who) {
    auto parsed = parser.parse(args);
    if (!parsed) {
        ctx.err << who << ": " << parsed.error().message << "\n";
        exit_code = exit_usage;
        return std::nullopt;
    }
    if (parsed->flag("help")) {
        ctx.out << parser.help();
        exit_code = exit_ok;
        return std::nullopt;
    }
    if (parsed->flag("verbose")) ctx.log.set_level(LogLevel::debug);
    return std::move(*parsed);
}

int run_cli(std::span<const std::string> args, CliContext& ctx) {
    std::size_t i = 0;
    // Global -v may come before the command; commands accept it too.
    for (; i < args.size() && (args[i] == "-v" || args[i] == "--verbose"); ++i) {
        ctx.log.set_level(LogLevel::debug);
    }
    if (i == args.size()) {
        print_usage(ctx.err);
        return exit_usage;
    }
    const std::string& first = args[i];
    if (first == "--help" || first == "-h") {
        print_usage(ctx.out);
        return exit_ok;
    }
    if (first == "help") {  // `aciswarm help [COMMAND...]`: that command's --help
        if (i + 1 == args.size()) {
            print_usage(ctx.out);
            return exit_ok;
        }
        std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                      args.end());
        rest.emplace_back("--help");
        return run_cli(rest, ctx);
    }
    if (first == "--version") {
        ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
        return exit_ok;
    }
    std::size_t words = 0;
    const Command* command = match_command(args, i, words);
    if (command == nullptr && is_group(first)) {
        // `aciswarm image`, `aciswarm image --help`, `aciswarm image bogus`.
        const std::span<const std::string> rest = args.subspan(i + 1);
        if (asks_for_help(rest)) {
            print_group_usage(ctx.out, first);
            return exit_ok;
        }
        if (!rest.empty()) {
            ctx.err << "aciswarm: unknown command '" << escape_control(first) << " "
                    << escape_control(rest.front()) << "' (see aciswarm " << first << " --help)\n";
        }
        print_group_usage(ctx.err, first);
        return exit_usage;
    }
    if (command == nullptr) {
        ctx.err << "aciswarm: unknown command '" << escape_control(first)
                << "' (see aciswarm --help)\n";
        return exit_usage;
    }
    return command->run(args.subspan(i + words), ctx);
}

}  // namespace aciswarm::agent
