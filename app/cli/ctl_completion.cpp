// stage1ctl completion: the bash completion script, written from the same option tables the parser
// and the help read, so a new command or option completes without anyone editing a script. The
// package installs its output as /usr/share/bash-completion/completions/stage1ctl.
#include <set>
#include <sstream>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/profiles.hpp"
#include "stage1_version.hpp"

namespace app {

namespace {

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::vector<std::string> optionWords(const std::vector<OptionSpec>& specs) {
    std::vector<std::string> words;
    for (const auto& s : specs)
        if (!s.positional) words.push_back("--" + s.name);
    return words;
}

// A repeating positional holds ids (compare's runs), not file names.
bool takesFileArgument(const CtlCommand& command) {
    for (const auto& o : command.options)
        if (o.positional && !o.repeats) return true;
    return false;
}

// The first word of every command ("config" once), then help and completion.
std::vector<std::string> commandWords() {
    std::vector<std::string> words;
    for (const auto& c : ctlCommands()) {
        std::string first = c.name.substr(0, c.name.find(' '));
        if (std::find(words.begin(), words.end(), first) == words.end()) words.push_back(first);
    }
    words.push_back("help");
    words.push_back("completion");
    return words;
}

// The second words of a group ("show check find" for config).
std::vector<std::string> groupWords(const std::string& group) {
    std::vector<std::string> words;
    for (const auto& c : ctlCommands())
        if (c.name.rfind(group + " ", 0) == 0) words.push_back(c.name.substr(group.size() + 1));
    return words;
}

std::vector<std::string> groups() {
    std::vector<std::string> out;
    for (const auto& c : ctlCommands()) {
        auto space = c.name.find(' ');
        if (space != std::string::npos &&
            std::find(out.begin(), out.end(), c.name.substr(0, space)) == out.end())
            out.push_back(c.name.substr(0, space));
    }
    return out;
}

// Every option that takes a value, in any table: the word after it is that value.
std::vector<std::string> valueOptions() {
    std::set<std::string> names;
    for (const auto& c : ctlCommands())
        for (const auto& o : commandOptions(c))
            if (o.takesValue && !o.positional) names.insert("--" + o.name);
    return {names.begin(), names.end()};
}

int printProfileNames(CtlIo& io) {
    try {
        for (const auto& p : loadProfiles(profilesPath(io.env)).profiles) io.out << p.name << "\n";
        return kExitOk;
    } catch (const std::runtime_error& e) {
        io.err << "stage1ctl: " << e.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace

std::string bashCompletionScript() {
    std::ostringstream s;
    s << "# bash completion for stage1ctl(1): commands, their options, profile names for --profile.\n"
         "# Written by `stage1ctl completion bash` (stage1ctl "
      << STAGE1_VERSION
      << ") from its option tables; do not edit.\n"
         "# Installed as /usr/share/bash-completion/completions/stage1ctl; by hand:\n"
         "#   source <(stage1ctl completion bash)\n\n"
         "_stage1ctl_commands='"
      << joined(commandWords()) << "'\n_stage1ctl_connection_options='"
      << joined(optionWords(connectionOptions()))
      << "'\n# Options that take a value: the word after one is its value, not a command.\n"
         "_stage1ctl_value_options=' "
      << joined(valueOptions())
      << " '\n\n"
         "# The options of a command (its name as one word: \"config show\").\n"
         "_stage1ctl_options_of() {\n"
         "    case $1 in\n";
    for (const auto& c : ctlCommands())
        s << "    '" << c.name << "') echo '" << joined(optionWords(commandOptions(c))) << "' ;;\n";
    s << "    esac\n}\n\n"
         "_stage1ctl() {\n"
         "    local cur=${COMP_WORDS[COMP_CWORD]} prev= command= word i\n"
         "    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
         "    COMPREPLY=()\n"
         "    # bash splits --name=value at '=' (COMP_WORDBREAKS): \"--profile\" \"=\" \"pr\".\n"
         "    if [[ $cur == = ]]; then\n"
         "        cur=\n"
         "    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
         "        prev=${COMP_WORDS[COMP_CWORD - 2]}\n"
         "    fi\n"
         "    # The command: the words before the cursor, less options and their values.\n"
         "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "        word=${COMP_WORDS[i]}\n"
         "        case $word in\n"
         "        --*)\n"
         "            if [[ ${COMP_WORDS[i + 1]} == = ]]; then\n"
         "                ((i += 2))\n"
         "            elif [[ $_stage1ctl_value_options == *\" $word \"* ]]; then\n"
         "                ((i++))\n"
         "            fi\n"
         "            # A value with '=' in it comes in pieces: --dsn=host=x is \"--dsn\" \"=\" \"host\" "
         "\"=\" \"x\".\n"
         "            while [[ ${COMP_WORDS[i + 1]} == = ]]; do ((i += 2)); done\n"
         "            ;;\n"
         "        -*) ;;\n"
         "        *)\n"
         "            if [[ -z $command ]]; then\n"
         "                command=$word\n"
         "            elif [[ $command != *' '* ]]; then\n"
         "                case $command in help";
    for (const auto& g : groups()) s << " | " << g;
    s << ") command=\"$command $word\" ;; esac\n"
         "            fi\n"
         "            ;;\n"
         "        esac\n"
         "    done\n"
         "    if [[ $prev == --* && $_stage1ctl_value_options == *\" $prev \"* ]]; then\n"
         "        case $prev in\n"
         "        --profile)\n"
         "            local IFS=$'\\n'\n"
         "            COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" completion profiles 2>/dev/null)\" -- "
         "\"$cur\"))\n"
         "            ;;\n"
         "        --sslmode) COMPREPLY=($(compgen -W '"
      << joined(sslModes())
      << "' -- \"$cur\")) ;;\n"
         "        --format) COMPREPLY=($(compgen -W 'text csv json' -- \"$cur\")) ;;\n"
         "        --dir | --migrations-dir) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
         "        *) compopt -o default ;;\n"
         "        esac\n"
         "        return\n"
         "    fi\n"
         "    case $command in\n"
         "    '')\n"
         "        if [[ $cur == -* ]]; then\n"
         "            COMPREPLY=($(compgen -W \"$_stage1ctl_connection_options --help --version\" -- "
         "\"$cur\"))\n"
         "        else\n"
         "            COMPREPLY=($(compgen -W \"$_stage1ctl_commands\" -- \"$cur\"))\n"
         "        fi\n"
         "        ;;\n"
         "    help) COMPREPLY=($(compgen -W \"$_stage1ctl_commands\" -- \"$cur\")) ;;\n"
         "    completion) COMPREPLY=($(compgen -W 'bash' -- \"$cur\")) ;;\n";
    for (const auto& g : groups())
        s << "    " << g << " | 'help " << g << "') COMPREPLY=($(compgen -W '" << joined(groupWords(g))
          << "' -- \"$cur\")) ;;\n";
    s << "    help\\ * | completion\\ *) ;;\n"
         "    *)\n"
         "        if [[ $cur == -* ]]; then\n"
         "            COMPREPLY=($(compgen -W \"$(_stage1ctl_options_of \"$command\")\" -- \"$cur\"))\n";
    // A command's positional argument (a spool file, a dump) completes as a file name.
    std::string positionalCommands;
    for (const auto& c : ctlCommands())
        if (takesFileArgument(c))
            positionalCommands += (positionalCommands.empty() ? "'" : " | '") + c.name + "'";
    if (!positionalCommands.empty())
        s << "        else\n"
             "            case $command in "
          << positionalCommands << ") compopt -o default ;; esac\n";
    s << "        fi\n"
         "        ;;\n"
         "    esac\n"
         "}\n"
         "complete -F _stage1ctl stage1ctl\n";
    return s.str();
}

// stage1ctl completion bash: the script. stage1ctl completion profiles: the profile names, one a
// line (what the script offers after --profile).
int runCompletion(const std::vector<std::string>& words, CtlIo& io) {
    if (words.size() == 1 && words[0] == "bash") {
        io.out << bashCompletionScript();
        return kExitOk;
    }
    if (words.size() == 1 && words[0] == "profiles") return printProfileNames(io);
    if (words.size() == 1 && (words[0] == "--help" || words[0] == "-h")) {
        io.out << "usage: stage1ctl completion bash\n"
                  "the bash completion script (commands, options, profile names), e.g.\n"
                  "  source <(stage1ctl completion bash)\n";
        return kExitOk;
    }
    io.err << "stage1ctl: completion expects 'bash' (usage: stage1ctl completion bash)\n";
    return kExitUsage;
}

}  // namespace app
