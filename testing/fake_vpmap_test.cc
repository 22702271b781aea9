// The fake page table (testing/fake_vpmap.h) against arch/vpmap.h's
// contract (testing/vpmap_contract.h), the suites the real x86_64 tables'
// tests run too: instantiated here as Fake/VpmapContract,
// Fake/VpmapContractDeathTest, Fake/VpmapThroughTheMmu and
// Fake/VpmapOnSeveralCpus.

#include "testing/fake_vpmap.h"
#include "testing/vpmap_contract.h"
#include "gtest/gtest.h"

namespace vpmap_contract {

struct FakeVpmap {};

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapContract, FakeVpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapContractDeathTest, FakeVpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapThroughTheMmu, FakeVpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapOnSeveralCpus, FakeVpmap);

}  // namespace vpmap_contract
