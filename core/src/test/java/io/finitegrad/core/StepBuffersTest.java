package io.finitegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** Recycled step buffers: the previous step's matrices in request order, zeroed, only while a scope is open. */
@SuppressWarnings("try")
class StepBuffersTest {
    @Test
    void withoutAScopeEveryRequestIsANewMatrix() {
        assertFalse(StepBuffers.active());
        DMatrixRMaj a = StepBuffers.zeros(2, 3);
        DMatrixRMaj b = StepBuffers.zeros(2, 3);
        assertNotSame(a, b);
        assertEquals(2, a.numRows);
        assertEquals(3, a.numCols);
    }

    @Test
    void theNextStepGetsTheLastStepsBuffersInOrderAndZeroed() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            assertTrue(StepBuffers.active());
            DMatrixRMaj a = StepBuffers.zeros(4, 4);
            DMatrixRMaj b = StepBuffers.zeros(1, 8);
            a.data[5] = 7;
            b.data[0] = -1;
            buffers.nextStep();
            assertSame(a, StepBuffers.zeros(4, 4));
            assertSame(b, StepBuffers.zeros(1, 8));
            assertArrayEquals(new double[16], a.data);
            assertArrayEquals(new double[8], b.data);
            assertEquals(2, buffers.reused());
            assertEquals(2, buffers.allocated());
        }
        assertFalse(StepBuffers.active());
    }

    @Test
    void aSmallerRequestReshapesTheBufferAndALargerOneGetsANewMatrix() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            DMatrixRMaj a = StepBuffers.zeros(4, 4);
            buffers.nextStep();
            DMatrixRMaj smaller = StepBuffers.zeros(2, 3); // a last, smaller batch
            assertSame(a, smaller);
            assertEquals(2, smaller.numRows);
            assertEquals(3, smaller.numCols);
            buffers.nextStep();
            DMatrixRMaj larger = StepBuffers.zeros(5, 5);
            assertNotSame(a, larger);
            assertEquals(25, larger.getNumElements());
        }
    }

    @Test
    void abandonedBuffersKeepTheirValuesAndAreNeverHandedOutAgain() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            DMatrixRMaj a = StepBuffers.zeros(3, 3);
            a.data[0] = 42;
            buffers.abandon();
            DMatrixRMaj b = StepBuffers.zeros(3, 3);
            assertNotSame(a, b);
            assertEquals(42, a.data[0]);
        }
    }

    @Test
    void reopenedBuffersAreTheLastStepsOnes() {
        StepBuffers buffers = new StepBuffers();
        DMatrixRMaj a;
        try (StepBuffers open = buffers.open()) {
            a = StepBuffers.zeros(2, 2);
        }
        assertFalse(StepBuffers.active());
        try (StepBuffers open = buffers.open()) {
            assertSame(a, StepBuffers.zeros(2, 2));
        }
    }

    @Test
    void oneOwnerAtATimePerThread() {
        try (StepBuffers buffers = StepBuffers.recycle()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, StepBuffers::recycle);
            assertTrue(e.getMessage().contains("already recycles"), e.getMessage());
            assertTrue(StepBuffers.active());
        }
    }
}
