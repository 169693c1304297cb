// Context switch for AArch64 (AAPCS64). Saves only what the ABI says a callee must preserve:
// x19-x28, the frame pointer x29, the link register x30, the low halves d8-d15 of v8-v15, and
// the FP control register FPCR. The stack stays 16-byte aligned throughout (176 = 11 * 16).
//
// void gopool_ctx_switch(void** save_sp, void* load_sp)
//   Stores the callee-saved state on the current stack, stores the stack pointer in *save_sp,
//   switches to load_sp and loads the state saved there, returning into that context.
//   Frame, from the saved sp up: x19..x28 [0, 80), x29 [80], x30 [88], d8..d15 [96, 160),
//   FPCR [160], padding [168].
//
// A fresh context is a frame laid out by make_context() (context_switch.cpp) whose x30 is
// gopool_ctx_entry, which calls entry(arg) with entry in x19 and arg in x20; its x29 is 0, so
// frame-pointer walks end there.

        .text
        .globl  gopool_ctx_switch
        .type   gopool_ctx_switch, %function
        .p2align 4
gopool_ctx_switch:
        .cfi_startproc
        sub     sp, sp, #176
        .cfi_def_cfa_offset 176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        .cfi_offset x29, -96
        .cfi_offset x30, -88
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x10, sp
        str     x10, [x0]
        mov     sp, x1
        // Writing FPCR may serialize the core and it almost never differs: compare first.
        ldr     x10, [sp, #160]
        cmp     x9, x10
        b.eq    1f
        msr     fpcr, x10
1:      ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #176
        .cfi_def_cfa_offset 0
        .cfi_restore x29
        .cfi_restore x30
        // Not ret: the return-stack predictor would predict the caller of this switch, never
        // the context being resumed; br is predicted from the branch history instead.
        br      x30
        .cfi_endproc
        .size   gopool_ctx_switch, .-gopool_ctx_switch

        .globl  gopool_ctx_entry
        .type   gopool_ctx_entry, %function
        .p2align 4
gopool_ctx_entry:
        .cfi_startproc
        .cfi_undefined x30      // the first frame of a goroutine: unwinders stop here
        mov     x0, x20
        blr     x19
        brk     #0              // entry never returns
        .cfi_endproc
        .size   gopool_ctx_entry, .-gopool_ctx_entry

        .section .note.GNU-stack,"",%progbits
