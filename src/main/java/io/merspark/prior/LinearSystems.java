package io.merspark.prior;

/** Small dense linear systems (k × k with k the number of classes). */
final class LinearSystems {

    /** A pivot below this fraction of the matrix's largest entry counts as zero. */
    private static final double SINGULAR = 1e-12;
    /** Ridge of the least-squares fallback, relative to the trace of {@code AᵀA}. */
    private static final double RIDGE = 1e-10;

    private LinearSystems() {
    }

    /**
     * Solves {@code A x = b} by Gaussian elimination with partial pivoting; when {@code A} is singular (e.g. a
     * class never predicted), returns the least-squares solution of the slightly regularised normal equations
     * {@code (AᵀA + λI) x = Aᵀb}, which drives the undetermined components to 0.
     */
    static double[] solve(double[][] a, double[] b) {
        double[] x = eliminate(a, b);
        return x != null ? x : leastSquares(a, b);
    }

    static double[] leastSquares(double[][] a, double[] b) {
        int n = a[0].length;
        double[][] normal = new double[n][n];
        double[] rhs = new double[n];
        double trace = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (double[] row : a) {
                    normal[i][j] += row[i] * row[j];
                }
            }
            for (int r = 0; r < a.length; r++) {
                rhs[i] += a[r][i] * b[r];
            }
            trace += normal[i][i];
        }
        double ridge = RIDGE * Math.max(trace, Double.MIN_NORMAL);
        for (int i = 0; i < n; i++) {
            normal[i][i] += ridge;
        }
        double[] x = eliminate(normal, rhs);
        if (x == null) {
            throw new IllegalArgumentException("linear system has no usable solution");
        }
        return x;
    }

    /** Gaussian elimination with partial pivoting on copies; null when the matrix is singular. */
    private static double[] eliminate(double[][] matrix, double[] vector) {
        int n = vector.length;
        double[][] a = new double[n][];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) {
                throw new IllegalArgumentException("matrix must be " + n + " x " + n + ", row " + i + " has "
                        + matrix[i].length);
            }
            a[i] = matrix[i].clone();
            for (double v : a[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double[] b = vector.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot][col]) <= SINGULAR * scale || scale == 0) {
                return null;
            }
            double[] rowSwap = a[col];
            a[col] = a[pivot];
            a[pivot] = rowSwap;
            double bSwap = b[col];
            b[col] = b[pivot];
            b[pivot] = bSwap;
            for (int r = col + 1; r < n; r++) {
                double f = a[r][col] / a[col][col];
                for (int c = col; c < n; c++) {
                    a[r][c] -= f * a[col][c];
                }
                b[r] -= f * b[col];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int c = r + 1; c < n; c++) {
                s -= a[r][c] * x[c];
            }
            x[r] = s / a[r][r];
        }
        return x;
    }
}
