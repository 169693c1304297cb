// The first frame of every goroutine on x86-64 System V. The switch itself is raw_switch, an
// asm statement inline in its callers (context_switch.hpp).
//
// A fresh context is a frame laid out by make_context() (context_switch.cpp); raw_switch resumes
// it here with rsp pointing at entry, then arg, then 8 bytes of padding; after them rsp is
// 16-byte aligned. gopool_ctx_entry calls entry(arg), which never returns.

        .text
        .globl  gopool_ctx_entry
        .type   gopool_ctx_entry, @function
        .p2align 4
gopool_ctx_entry:
        .cfi_startproc
        .cfi_undefined rip      // the first frame of a goroutine: unwinders stop here
        movq    (%rsp), %rax
        movq    8(%rsp), %rdi
        addq    $24, %rsp
        callq   *%rax
        ud2                     // entry never returns
        .cfi_endproc
        .size   gopool_ctx_entry, .-gopool_ctx_entry

        .section .note.GNU-stack,"",@progbits
