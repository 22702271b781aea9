#include "kernel/err.h"

const char *err_name(err_t err)
{
    switch (err) {
    case ERR_OK:
        return "ERR_OK";
    case ERR_NOMEM:
        return "ERR_NOMEM";
    case ERR_VM_BOUND:
        return "ERR_VM_BOUND";
    case ERR_FAULT:
        return "ERR_FAULT";
    case ERR_INVAL:
        return "ERR_INVAL";
    case ERR_VM_OVERLAP:
        return "ERR_VM_OVERLAP";
    case ERR_NOENT:
        return "ERR_NOENT";
    case ERR_BADF:
        return "ERR_BADF";
    case ERR_NOCHILD:
        return "ERR_NOCHILD";
    case ERR_NOEXEC:
        return "ERR_NOEXEC";
    case ERR_PIPE:
        return "ERR_PIPE";
    case ERR_NOSPACE:
        return "ERR_NOSPACE";
    case ERR_TOOLONG:
        return "ERR_TOOLONG";
    case ERR_NOSYS:
        return "ERR_NOSYS";
    case ERR_SRCH:
        return "ERR_SRCH";
    case ERR_EXISTS:
        return "ERR_EXISTS";
    case ERR_PERM:
        return "ERR_PERM";
    case ERR_KILLED:
        return "ERR_KILLED";
    }
    return "ERR_(unknown)";
}
