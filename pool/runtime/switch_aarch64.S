// Context switch for AArch64 (AAPCS64). Saves only callee-saved state: x19-x28, fp, lr,
// d8-d15 and FPCR.
//
// void gopool_ctx_switch(void** save_sp, void* load_sp)
// A fresh context is a frame laid out by make_context() whose lr is gopool_ctx_entry, which
// calls entry(arg) with entry in x19 and arg in x20.

        .text
        .globl  gopool_ctx_switch
        .type   gopool_ctx_switch, %function
        .p2align 4
gopool_ctx_switch:
        sub     sp, sp, #176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldr     x9, [sp, #160]
        msr     fpcr, x9
        ldp     x19, x20, [sp, #0]
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
        ret
        .size   gopool_ctx_switch, .-gopool_ctx_switch

        .globl  gopool_ctx_entry
        .type   gopool_ctx_entry, %function
        .p2align 4
gopool_ctx_entry:
        .cfi_startproc
        .cfi_undefined x30
        mov     x0, x20
        blr     x19
        brk     #0
        .cfi_endproc
        .size   gopool_ctx_entry, .-gopool_ctx_entry

        .section .note.GNU-stack,"",%progbits
