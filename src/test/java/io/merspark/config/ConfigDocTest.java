package io.merspark.config;

import io.merspark.testing.SparkTestSession;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDocTest {

    @Test
    void readmeListsEveryConfigKeyAsInReferenceConf() throws IOException {
        String readme = Files.readString(SparkTestSession.projectDir().resolve("README.md"));
        int begin = readme.indexOf(ConfigDoc.BEGIN);
        int end = readme.indexOf(ConfigDoc.END);
        assertTrue(begin >= 0 && end > begin, "README.md lacks the generated config-keys block");
        String expected = ConfigDoc.markdownTable();
        assertEquals(expected, readme.substring(begin, end + ConfigDoc.END.length()),
                "README.md's config table is out of date; replace the block with:\n" + expected);
    }

    @Test
    void tableHasEveryLeafKeyWithItsComment() {
        String table = ConfigDoc.markdownTable();
        assertTrue(table.contains("| `mer.train.folds` | `5` |"), table);
        assertTrue(table.contains("| `mer.select.class-thresholds` | `{}` |"), table);
        assertTrue(table.contains("FixMatch"), table);
    }
}
