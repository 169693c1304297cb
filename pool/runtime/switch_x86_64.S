// Context switch for x86-64 System V. Saves only what the ABI says a callee must preserve:
// rbx, rbp, r12-r15, the MXCSR control bits and the x87 control word.
//
// void gopool_ctx_switch(void** save_sp, void* load_sp)
//   Pushes the callee-saved state on the current stack, stores the stack pointer in *save_sp,
//   switches to load_sp and pops the state saved there, then jumps to the return address saved
//   there (a ret would pop a different return address than the one it predicts).
//
// A fresh context is a frame laid out by make_context() (context_switch.cpp) whose return
// address is gopool_ctx_entry, which calls entry(arg) with entry in r12 and arg in rbx.

        .text
        .globl  gopool_ctx_switch
        .type   gopool_ctx_switch, @function
        .p2align 4
gopool_ctx_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movzwl  4(%rsp), %ecx
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        // The x87 control word is compared first (its reload is slow and it almost never
        // differs). The MXCSR is loaded always: reading back what stmxcsr just stored waits for
        // that store to complete, which costs more than the load.
        cmpw    4(%rsp), %cx
        jne     1f
2:
        ldmxcsr (%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        // Not ret: the return-stack predictor would predict the caller of this switch, never
        // the context being resumed, and miss every time. An indirect jump is predicted from
        // the branch history instead, which learns a steady pattern of switches.
        popq    %rdx
        jmpq    *%rdx
1:      fldcw   4(%rsp)
        jmp     2b
        .cfi_endproc
        .size   gopool_ctx_switch, .-gopool_ctx_switch

        .globl  gopool_ctx_entry
        .type   gopool_ctx_entry, @function
        .p2align 4
gopool_ctx_entry:
        .cfi_startproc
        .cfi_undefined rip      // the first frame of a goroutine: unwinders stop here
        movq    %rbx, %rdi
        callq   *%r12
        ud2                     // entry never returns
        .cfi_endproc
        .size   gopool_ctx_entry, .-gopool_ctx_entry

        .section .note.GNU-stack,"",@progbits
