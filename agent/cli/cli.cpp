#include "agent/cli/cli.hpp"

#include <ostream>

namespace aciswarm::agent {
namespace {

void print_usage(std::ostream& out) {
    out << "usage: aciswarm [-v] COMMAND [ARGS]\n"
           "\nDistributes appc container images (ACIs) over BitTorrent.\n\ncommands:\n";
    for (const Command& c : commands()) {
        std::string name(c.name);
        if (name.size() < 20) name.resize(20, ' ');
        out << "  " << name << "  " << c.summary << "\n";
    }
    out << "\n'aciswarm COMMAND --help' describes a command.\n";
}

}  // namespace

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
    if (first == "--help" || first == "-h" || first == "help") {
        print_usage(ctx.out);
        return exit_ok;
    }
    if (first == "--version" || first == "version") {
        ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
        return exit_ok;
    }
    // Longest match first, so "image list" wins over a hypothetical "image".
    const Command* best = nullptr;
    std::size_t best_words = 0;
    for (const Command& c : commands()) {
        std::size_t words = 0;
        std::string_view rest = c.name;
        bool match = true;
        while (!rest.empty()) {
            const std::size_t sp = rest.find(' ');
            const std::string_view word = rest.substr(0, sp);
            if (i + words >= args.size() || args[i + words] != word) {
                match = false;
                break;
            }
            ++words;
            rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        }
        if (match && words > best_words) {
            best = &c;
            best_words = words;
        }
    }
    if (best == nullptr) {
        ctx.err << "aciswarm: unknown command '" << first << "' (see aciswarm --help)\n";
        return exit_usage;
    }
    return best->run(args.subspan(i + best_words), ctx);
}

}  // namespace aciswarm::agent
