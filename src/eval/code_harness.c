// The code benchmarks' Python test harness (code_harness.py beside this file), embedded
// in the library as bytes so that grading needs no installed data file.
#include <stddef.h>

__asm__(".section .rodata\n"
        ".global wmss_code_harness_py\n"
        ".type wmss_code_harness_py, @object\n"
        "wmss_code_harness_py:\n"
        ".incbin \"src/eval/code_harness.py\"\n"
        ".global wmss_code_harness_py_end\n"
        "wmss_code_harness_py_end:\n"
        ".byte 0\n"
        ".previous\n");
