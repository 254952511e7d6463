prove x
