// true: exits 0 at once, printing nothing. The smallest program to exec, for
// tests that exec many times (leaktest) or need an exec target that shows
// whether it ran (badptr).

int main(void)
{
    return 0;
}
