package io.finitegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test
    void constantStepDecayCosineAndWarmup() {
        assertEquals(0.1, LrSchedule.constant(0.1).lr(57));
        LrSchedule step = LrSchedule.stepDecay(1.0, 10, 0.5);
        assertEquals(1.0, step.lr(9));
        assertEquals(0.5, step.lr(10));
        assertEquals(0.25, step.lr(25));
        LrSchedule cos = LrSchedule.cosine(1.0, 10, 0.0);
        assertEquals(1.0, cos.lr(0), 1e-15);
        assertEquals(0.5, cos.lr(5), 1e-15);
        assertEquals(0.0, cos.lr(10), 1e-15);
        assertEquals(0.0, cos.lr(50), 1e-15);
        LrSchedule warm = LrSchedule.stepDecay(0.8, 2, 0.5).withWarmup(3);
        assertEquals(0.2, warm.lr(0), 1e-15);
        assertEquals(0.4, warm.lr(1), 1e-15);
        assertEquals(0.6, warm.lr(2), 1e-15);
        assertEquals(0.8, warm.lr(3), 1e-15);
        assertEquals(0.8, warm.lr(4), 1e-15);
        assertEquals(0.4, warm.lr(5), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> warm.lr(-1));
    }
}
