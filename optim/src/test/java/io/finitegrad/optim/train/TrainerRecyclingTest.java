package io.finitegrad.optim.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.finitegrad.core.StepBuffers;
import org.junit.jupiter.api.Test;

/**
 * The Trainer owns its graphs, so each step reuses the last one's result buffers: that changes no
 * bit of the training, and the recycling ends with the fit.
 */
class TrainerRecyclingTest {
    @Test
    void recycledStepsTrainBitForBitAsFreshlyAllocatedOnes() {
        long recycled = Fingerprint.mlpAdam();
        long fresh;
        // an outer scope that never starts a new step: the Trainer leaves it alone, and every
        // request gets a buffer of its own, as without recycling
        try (StepBuffers outer = StepBuffers.recycle()) {
            fresh = Fingerprint.mlpAdam();
            assertEquals(0, outer.reused(), "the outer scope recycled: the comparison would be recycled against recycled");
            assertTrue(outer.allocated() > 32 * 10, "32 steps asked the outer scope for " + outer.allocated() + " buffers");
        }
        assertEquals(fresh, recycled);
    }

    @Test
    void theFitClosesItsRecyclingScope() {
        Fingerprint.irisSgd();
        assertFalse(StepBuffers.active());
    }
}
