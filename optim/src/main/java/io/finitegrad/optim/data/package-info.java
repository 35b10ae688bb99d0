/**
 * Data preparation: CSV loading that names file:line:column for every bad cell
 * ({@link io.finitegrad.optim.data.Csv}), datasets with seeded splits and mini-batches whose rows
 * remember their source row and file line ({@link io.finitegrad.optim.data.Dataset}), the class numbering shared by training, test and new
 * data ({@link io.finitegrad.optim.data.ClassVocabulary}), scalers, the pre-training data check
 * ({@link io.finitegrad.optim.data.DataReport}) and the bundled Iris data
 * ({@link io.finitegrad.optim.data.Datasets}).
 */
package io.finitegrad.optim.data;
