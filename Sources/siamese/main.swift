print("siamese")
