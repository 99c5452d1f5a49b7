// Errors as values.
//
// Two error spaces that are never mixed:
//   - wd::Code   (code.h): ZooKeeper's client-visible codes, results of tree/ and server/.
//   - wd::Status (here):   internal failures, in the manner of LevelDB's Status.
// Result<T, E> holds either a value or an error; it is [[nodiscard]].
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace wd {

enum class StatusCode : uint8_t {
    ok,
    io_error,
    corruption,
    invalid_argument,
    not_found,
    not_leader,
    too_large,
};

class [[nodiscard]] Status {
public:
    Status() = default;
    static Status ok_status() { return Status(); }
    static Status io_error(std::string msg) { return Status(StatusCode::io_error, std::move(msg)); }
    static Status corruption(std::string msg) {
        return Status(StatusCode::corruption, std::move(msg));
    }
    static Status invalid_argument(std::string msg) {
        return Status(StatusCode::invalid_argument, std::move(msg));
    }
    static Status not_found(std::string msg) {
        return Status(StatusCode::not_found, std::move(msg));
    }
    static Status too_large(std::string msg) {
        return Status(StatusCode::too_large, std::move(msg));
    }

    bool ok() const { return code_ == StatusCode::ok; }
    StatusCode code() const { return code_; }
    const std::string& message() const { return message_; }
    // "corruption: bad crc at wal-...:4096" style text.
    std::string to_string() const;

private:
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
    StatusCode code_ = StatusCode::ok;
    std::string message_;
};

// Wraps an error so that Result's constructor can tell it from a value of the same type.
template <class E>
struct Err {
    E error;
};
template <class E>
Err<std::decay_t<E>> err(E&& e) {
    return Err<std::decay_t<E>>{std::forward<E>(e)};
}

template <class T, class E = Status>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
    Result(Err<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT implicit
    template <class F>
        requires(std::is_constructible_v<E, F> && !std::is_same_v<F, E>)
    Result(Err<F> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}  // NOLINT

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        WD_ASSERT(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        WD_ASSERT(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        WD_ASSERT(ok());
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const& {
        WD_ASSERT(!ok());
        return std::get<1>(v_);
    }
    E&& error() && {
        WD_ASSERT(!ok());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, E> v_;
};

// Result<void>: success or an error.
template <class E>
class [[nodiscard]] Result<void, E> {
public:
    Result() = default;
    Result(Err<E> e) : error_(std::move(e.error)), has_error_(true) {}  // NOLINT implicit
    template <class F>
        requires(std::is_constructible_v<E, F> && !std::is_same_v<F, E>)
    Result(Err<F> e) : error_(E(std::move(e.error))), has_error_(true) {}  // NOLINT

    bool ok() const { return !has_error_; }
    explicit operator bool() const { return ok(); }
    const E& error() const {
        WD_ASSERT(!ok());
        return error_;
    }

private:
    E error_{};
    bool has_error_ = false;
};

}  // namespace wd

// Propagates an error from an expression returning Result; the value is discarded.
#define WD_TRY(expr)                                  \
    do {                                              \
        auto wd_try_result_ = (expr);                 \
        if (!wd_try_result_.ok()) [[unlikely]] {      \
            return ::wd::err(wd_try_result_.error()); \
        }                                             \
    } while (0)
