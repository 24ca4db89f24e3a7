package io.merspark.extract;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {

    @Test
    void lineShowsRowsDoneOfTotalAndRate() {
        assertEquals("extract: 128/704 rows (18.2%), 9.8 rows/s, 13 s", Progress.format("extract", 128, 704, 13.0));
        assertEquals("extract: 0/0 rows (100.0%), 0.0 rows/s, 0 s", Progress.format("extract", 0, 0, 0));
    }
}
