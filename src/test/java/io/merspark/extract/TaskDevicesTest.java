package io.merspark.extract;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TaskDevicesTest {

    private static final String[] NONE = new String[0];

    @Test
    void cpuIsTheCpuWhateverSparkAssigned() {
        assertEquals(Device.cpu(), TaskDevices.select("cpu", new String[] {"1"}, 4, null));
    }

    @Test
    void theTasksGpuAddressPicksTheDevice() {
        assertEquals(Device.gpu(1), TaskDevices.select("gpu", new String[] {"1"}, 2, null));
        assertEquals(Device.gpu(3), TaskDevices.select("auto", new String[] {"3"}, 4, null));
    }

    @Test
    void anAddressIsMappedThroughCudaVisibleDevices() {
        // the cluster manager isolated physical GPU 5 as the executor's only visible device
        assertEquals(Device.gpu(0), TaskDevices.select("gpu", new String[] {"5"}, 1, "5"));
        assertEquals(Device.gpu(1), TaskDevices.select("auto", new String[] {"7"}, 2, "6,7"));
    }

    @Test
    void aGpuTheEngineCannotSeeFallsBackToTheCpu() {
        assertEquals(Device.cpu(), TaskDevices.select("gpu", new String[] {"0"}, 0, null));
        assertEquals(Device.cpu(), TaskDevices.select("auto", new String[] {"2"}, 1, null));
        assertEquals(Device.cpu(), TaskDevices.select("gpu", new String[] {"x"}, 1, null));
    }

    @Test
    void withoutAnAssignmentTheEnginesFirstGpuOrTheCpu() {
        assertEquals(Device.gpu(0), TaskDevices.select("auto", NONE, 2, null));
        assertEquals(Device.cpu(), TaskDevices.select("auto", NONE, 0, null));
        assertEquals(Device.cpu(), TaskDevices.select("gpu", NONE, 0, null));
    }

    @Test
    void outsideATaskTheCpuAndTheConfiguredThreads() {
        assertEquals(Device.cpu(), TaskDevices.forTask("cpu"));
        assertEquals(3, TaskDevices.threadsForTask(3));
        assertThrows(IllegalArgumentException.class, () -> TaskDevices.select("tpu", NONE, 0, null));
    }
}
