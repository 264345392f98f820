// The project's result convention: expected failures are values, not exceptions.
//
//   Result<Foo> parse_foo(std::span<const std::uint8_t> bytes);
//   if (auto foo = parse_foo(bytes); !foo) log.error(foo.error().message);
//
// An Error carries a coarse category (Errc) for callers that branch on it and a
// message for people, which names the input that failed ("info_hash: 19 bytes,
// want 20"). Exceptions are kept for fatal start-up/config errors caught in main.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace aciswarm {

enum class Errc {
    invalid_argument,  // the caller's input is malformed
    not_found,
    ambiguous,  // a prefix or name matches more than one thing
    already_exists,
    too_large,  // a size limit was hit
    corrupt,    // data failed a hash or integrity check
    unsupported,
    permission,
    io,        // file system or OS call failed
    network,   // resolve/connect/TLS/transport
    protocol,  // a peer spoke the protocol wrongly
    timeout,
    cancelled,
    internal,
    untrusted,  // a signature is missing, bad, or by a key not trusted for the image
};

const char* errc_name(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    std::string message;
};

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

// Result<T>: a T or an Error. Converts implicitly from both, so functions can
// `return value;` or `return make_error(...)`.
template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_same_v<T, Error>, "Result<Error> is ambiguous");

  public:
    Result(T value)
        : state_(std::in_place_index<0>, std::move(value)) {
    }  // NOLINT(google-explicit-constructor)
    Result(Error error)
        : state_(std::in_place_index<1>, std::move(error)) {
    }  // NOLINT(google-explicit-constructor)

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& {
        assert(!has_value());
        return std::get<1>(state_);
    }
    Error&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(state_));
    }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error)
        : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const& {
        assert(!ok_);
        return error_;
    }
    Error&& error() && {
        assert(!ok_);
        return std::move(error_);
    }

  private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

// Adds context in front of an error's message: "store: " + "manifest: no name".
inline Error with_context(std::string_view context, Error error) {
    error.message = std::string(context) + ": " + error.message;
    return error;
}

}  // namespace aciswarm
