# aciswarm_warnings(target): the project's warning set, errors when ACISWARM_WERROR is on (CI).
function(aciswarm_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  if(ACISWARM_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex,
    # std::function) when sanitizers are on; the plain build still checks this warning.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(ACISWARM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
